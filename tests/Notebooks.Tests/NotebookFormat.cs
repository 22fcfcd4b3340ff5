using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>
/// The rules of Jupyter's nbformat 4.5 schema that a notebook file can break (what nbformat's validator checks),
/// written out here so the tests need nothing but .NET: the top-level keys, cell ids (4.5's addition: present,
/// well-formed, unique), the keys each cell and output type allows and requires.
/// </summary>
public static partial class NotebookFormat
{
    /// <summary>Every rule the notebook breaks, as "where: what" lines; empty when it is valid nbformat 4.5.</summary>
    public static IReadOnlyList<string> Problems(JsonObject notebook)
    {
        var problems = new List<string>();
        void Need(bool ok, string where, string what) { if (!ok) problems.Add($"{where}: {what}"); }

        OnlyKeys(notebook, "notebook", ["metadata", "nbformat", "nbformat_minor", "cells"], ["metadata", "nbformat", "nbformat_minor", "cells"], problems);
        Need(Int(notebook["nbformat"]) == 4, "nbformat", "must be 4");
        Need(Int(notebook["nbformat_minor"]) == 5, "nbformat_minor", "must be 5 (cells carry ids)");
        if (notebook["metadata"] is JsonObject meta)
        {
            if (meta["kernelspec"] is JsonObject k) Need(k["name"] is JsonValue && k["display_name"] is JsonValue, "metadata.kernelspec", "needs name and display_name");
            if (meta["language_info"] is JsonObject l) Need(l["name"] is JsonValue, "metadata.language_info", "needs name");
        }
        else problems.Add("metadata: must be an object");

        var ids = new HashSet<string>();
        var cells = notebook["cells"] as JsonArray ?? [];
        for (int i = 0; i < cells.Count; i++)
        {
            var where = $"cells[{i}]";
            if (cells[i] is not JsonObject cell) { problems.Add($"{where}: must be an object"); continue; }
            var id = cell["id"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            Need(id is not null && CellId().IsMatch(id), $"{where}.id", "must be 1-64 letters, digits, '-' or '_'");
            Need(id is null || ids.Add(id), $"{where}.id", $"'{id}' is not unique");
            Need(cell["metadata"] is JsonObject, $"{where}.metadata", "must be an object");
            Need(IsText(cell["source"]), $"{where}.source", "must be a string or a list of strings");
            switch (cell["cell_type"]?.GetValue<string>())
            {
                case "markdown" or "raw":
                    OnlyKeys(cell, where, ["id", "cell_type", "metadata", "source", "attachments"], ["id", "cell_type", "metadata", "source"], problems);
                    break;
                case "code":
                    OnlyKeys(cell, where, ["id", "cell_type", "metadata", "source", "execution_count", "outputs"], ["id", "cell_type", "metadata", "source", "execution_count", "outputs"], problems);
                    Need(cell["execution_count"] is null || Int(cell["execution_count"]) is not null, $"{where}.execution_count", "must be an integer or null");
                    var outputs = cell["outputs"] as JsonArray ?? [];
                    for (int o = 0; o < outputs.Count; o++) OutputProblems(outputs[o] as JsonObject, $"{where}.outputs[{o}]", problems);
                    break;
                default:
                    problems.Add($"{where}.cell_type: must be markdown, code or raw");
                    break;
            }
        }
        return problems;
    }

    private static void OutputProblems(JsonObject? output, string where, List<string> problems)
    {
        if (output is null) { problems.Add($"{where}: must be an object"); return; }
        switch (output["output_type"]?.GetValue<string>())
        {
            case "execute_result":
                OnlyKeys(output, where, ["output_type", "execution_count", "data", "metadata"], ["output_type", "execution_count", "data", "metadata"], problems);
                break;
            case "display_data":
                OnlyKeys(output, where, ["output_type", "data", "metadata", "transient"], ["output_type", "data", "metadata"], problems);
                break;
            case "stream":
                OnlyKeys(output, where, ["output_type", "name", "text"], ["output_type", "name", "text"], problems);
                if (output["name"]?.GetValue<string>() is not ("stdout" or "stderr")) problems.Add($"{where}.name: must be stdout or stderr");
                if (!IsText(output["text"])) problems.Add($"{where}.text: must be a string or a list of strings");
                break;
            case "error":
                OnlyKeys(output, where, ["output_type", "ename", "evalue", "traceback"], ["output_type", "ename", "evalue", "traceback"], problems);
                if (output["traceback"] is not JsonArray t || t.Any(l => l is not JsonValue)) problems.Add($"{where}.traceback: must be a list of strings");
                break;
            default:
                problems.Add($"{where}.output_type: must be execute_result, display_data, stream or error");
                return;
        }
        if (output["data"] is JsonObject data)
            foreach (var (mime, value) in data)
                if (!mime.Contains('/') || (!IsText(value) && value is not JsonObject)) problems.Add($"{where}.data['{mime}']: must be a MIME type with text or JSON");
    }

    private static void OnlyKeys(JsonObject o, string where, string[] allowed, string[] required, List<string> problems)
    {
        foreach (var key in o.Select(p => p.Key).Where(k => !allowed.Contains(k))) problems.Add($"{where}: '{key}' is not allowed");
        foreach (var key in required.Where(k => !o.ContainsKey(k))) problems.Add($"{where}: '{key}' is missing");
    }

    private static int? Int(JsonNode? node) => node is JsonValue v && v.TryGetValue<int>(out var i) ? i : null;

    private static bool IsText(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out _) || node is JsonArray a && a.All(l => l is JsonValue lv && lv.TryGetValue<string>(out _));

    [GeneratedRegex("^[a-zA-Z0-9-_]{1,64}$")]
    private static partial Regex CellId();
}
