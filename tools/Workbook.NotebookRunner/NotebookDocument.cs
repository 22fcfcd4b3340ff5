using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workbook.NotebookRunner;

/// <summary>
/// An .ipynb file as JSON. Read and written directly (not with .NET Interactive's Documents package, whose
/// writer drops the kernel metadata and cell ids VS Code relies on), so everything but outputs stays as it was.
/// </summary>
public sealed class NotebookDocument
{
    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        IndentSize = 1,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly JsonObject _root;

    private NotebookDocument(string path, JsonObject root)
    {
        Path = path;
        _root = root;
    }

    public string Path { get; }

    public string Name => System.IO.Path.GetFileNameWithoutExtension(Path);

    public IReadOnlyList<JsonObject> Cells => _root["cells"]?.AsArray().OfType<JsonObject>().ToList() ?? [];

    public static NotebookDocument Load(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
            ?? throw new InvalidDataException($"{path} is not a notebook: its JSON is not an object.");
        if (root["cells"] is not JsonArray)
            throw new InvalidDataException($"{path} is not a notebook: it has no \"cells\" array.");
        return new NotebookDocument(path, root);
    }

    public static string CellType(JsonObject cell) => cell["cell_type"]?.GetValue<string>() ?? "";

    /// <summary>A cell's source, whether stored as one string or as a list of lines.</summary>
    public static string Source(JsonObject cell) => cell["source"] switch
    {
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>())),
        JsonValue v => v.GetValue<string>(),
        _ => "",
    };

    public void Save(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        File.WriteAllText(path, _root.ToJsonString(WriteOptions) + "\n");
    }

    /// <summary>Text the way Jupyter stores it: a list of lines, each but the last ending in a newline.</summary>
    public static JsonArray Lines(string text)
    {
        var array = new JsonArray();
        int start = 0;
        while (start < text.Length)
        {
            int nl = text.IndexOf('\n', start);
            int end = nl < 0 ? text.Length : nl + 1;
            array.Add(text[start..end]);
            start = end;
        }
        return array;
    }

    public static string JoinLines(JsonNode? node) => node switch
    {
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>())),
        JsonValue v => v.GetValue<string>(),
        _ => "",
    };
}
