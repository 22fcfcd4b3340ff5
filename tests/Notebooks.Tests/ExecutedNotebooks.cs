using System.Text.Json.Nodes;
using Workbook.Processes;

namespace Notebooks.Tests;

/// <summary>
/// Runs the headless runner once over every notebook in notebooks/ (the way the README's run command does,
/// into artifacts/test-results/notebooks) and gives the tests the executed notebooks to read. The runner executes
/// each chapter in the pinned dotnet-interactive tool, the kernel VS Code and Jupyter start, so a chapter that
/// passes here runs there.
/// </summary>
public sealed class ExecutedNotebooks : IAsyncLifetime
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(40);

    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot");
    public static string NotebooksFolder { get; } = Path.Combine(RepositoryRoot, "notebooks");

    /// <summary>
    /// The executed chapters (.ipynb and .html) of this run, kept beside the TRX files so CI keeps them with the
    /// test results; emptied first, so a chapter the runner failed to write is not read from an earlier run.
    /// </summary>
    public string OutputFolder { get; } = Path.Combine(RepositoryRoot, "artifacts", "test-results", "notebooks");
    public int RunnerExitCode { get; private set; }
    public string RunnerOutput { get; private set; } = "";

    public static IEnumerable<object[]> Names() =>
        Directory.GetFiles(NotebooksFolder, "*.ipynb").Order().Select(f => new object[] { Path.GetFileNameWithoutExtension(f) });

    public async Task InitializeAsync()
    {
        if (Directory.Exists(OutputFolder)) Directory.Delete(OutputFolder, recursive: true);
        Directory.CreateDirectory(OutputFolder);
        var runner = ChildProcess.Spawn("dotnet", [Metadata("NotebookRunner"), NotebooksFolder, "--out", OutputFolder],
            new SpawnOptions { Cwd = RepositoryRoot });
        var stdout = runner.Stdout!.ReadToEndAsync();
        var stderr = runner.Stderr!.ReadToEndAsync();
        try
        {
            var exit = await runner.Closed.WaitAsync(RunLimit);
            RunnerExitCode = exit.Code ?? -1;
        }
        catch (TimeoutException)
        {
            await runner.DisposeAsync();
            RunnerExitCode = -1;
        }
        RunnerOutput = await stdout + await stderr;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public JsonObject Executed(string name) =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(OutputFolder, name + ".ipynb")))!;

    /// <summary>
    /// What the code cell of <paramref name="chapter"/> with the id <paramref name="cellId"/> (nbformat 4.5's cell id,
    /// kept by the runner) printed. Cells are found by id, not by their source, so rewording a cell cannot make a test
    /// read another one.
    /// </summary>
    public string CellOutput(string chapter, string cellId)
    {
        var cell = Executed(chapter)["cells"]!.AsArray().OfType<JsonObject>().SingleOrDefault(c => c["id"]?.GetValue<string>() == cellId)
            ?? throw new ArgumentException($"notebooks/{chapter}.ipynb has no cell with the id '{cellId}'", nameof(cellId));
        return cell["outputs"] is JsonArray outputs ? string.Concat(outputs.OfType<JsonObject>().Select(OutputText))
            : throw new ArgumentException($"the cell '{cellId}' of notebooks/{chapter}.ipynb is not a code cell", nameof(cellId));
    }

    public static JsonObject Source(string name) =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(NotebooksFolder, name + ".ipynb")))!;

    /// <summary>All the text a notebook's code cells printed (streams and plain-text results), in order.</summary>
    public static IEnumerable<(string Source, string Output)> CodeCells(JsonObject notebook) =>
        notebook["cells"]!.AsArray().OfType<JsonObject>()
            .Where(c => c["cell_type"]!.GetValue<string>() == "code")
            .Select(c => (Text(c["source"]), string.Concat(c["outputs"]!.AsArray().OfType<JsonObject>().Select(OutputText))));

    public static IEnumerable<JsonObject> Errors(JsonObject notebook) =>
        notebook["cells"]!.AsArray().OfType<JsonObject>()
            .SelectMany(c => c["outputs"]?.AsArray().OfType<JsonObject>() ?? [])
            .Where(o => o["output_type"]!.GetValue<string>() == "error");

    private static string OutputText(JsonObject output) => output["output_type"]!.GetValue<string>() switch
    {
        "stream" => Text(output["text"]),
        "error" => string.Join("\n", output["traceback"]!.AsArray().Select(l => l!.GetValue<string>())),
        _ => Text(output["data"]?["text/plain"]) + Text(output["data"]?["text/html"]),
    };

    private static string Text(JsonNode? node) => node switch
    {
        JsonArray a => string.Concat(a.Select(l => l!.GetValue<string>())),
        JsonValue v => v.GetValue<string>(),
        _ => "",
    };

    /// <summary>How many checks a check cell's output shows as passed (lines starting with ✔).</summary>
    public static int PassedChecks(string output) => output.Split('\n').Count(l => l.StartsWith('✔'));

    /// <summary>A check cell's output shows <paramref name="expected"/> checks passed and none failed (✘).</summary>
    public static void AllChecksPassed(string output, int expected)
    {
        Assert.Equal(expected, PassedChecks(output));
        Assert.DoesNotContain("✘", output);
    }

    private static string Metadata(string key) => Workbook.Testing.TestEnvironment.BuildMetadata(typeof(ExecutedNotebooks).Assembly, key);
}

[CollectionDefinition(Name)]
public sealed class NotebookRun : ICollectionFixture<ExecutedNotebooks>
{
    public const string Name = "notebooks executed headless";
}
