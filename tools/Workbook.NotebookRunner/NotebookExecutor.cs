using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Workbook.Testing;

namespace Workbook.NotebookRunner;

/// <summary>What executing one notebook gave.</summary>
public sealed record NotebookRun(int CodeCells, int FailedCells, int? StoppedAtCell);

/// <summary>
/// Runs a notebook's code cells in order in one kernel (<see cref="KernelTool"/>, the one VS Code starts) and
/// writes each cell's outputs back in Jupyter's format. Like "Run All" in VS Code, it stops at the first cell
/// that fails: the cells after it are left unexecuted rather than failing one after another.
/// </summary>
public sealed class NotebookExecutor(TimeSpan cellTimeout, TextWriter progress)
{
    public async Task<NotebookRun> ExecuteAsync(NotebookDocument notebook)
    {
        await using var kernel = KernelTool.Start(Path.GetDirectoryName(Path.GetFullPath(notebook.Path))!);

        var codeCells = notebook.Cells.Where(c => NotebookDocument.CellType(c) == "code").ToList();
        int failed = 0, executionCount = 0;
        JsonObject? lastRun = null;
        foreach (var cell in codeCells)
        {
            cell["execution_count"] = null;
            cell["outputs"] = new JsonArray();
        }

        for (int i = 0; i < codeCells.Count; i++)
        {
            var cell = codeCells[i];
            var stopwatch = Stopwatch.StartNew();
            var outputs = new CellOutputs(++executionCount);
            var (ok, timedOut) = await RunCellAsync(kernel, NotebookDocument.Source(cell), outputs);
            cell["execution_count"] = executionCount;
            lock (outputs) cell["outputs"] = outputs.ToJson();
            lastRun = cell;
            if (!ok) failed++;
            progress.WriteLine($"  {notebook.Name}  cell {i + 1}/{codeCells.Count}  {(ok ? "ok" : timedOut ? "TIMED OUT" : "FAILED")}  {stopwatch.Elapsed.TotalSeconds:0.00} s");
            if (!ok)
            {
                if (timedOut) kernel.Kill(); // the cell may still be running
                EndLeftoverProcesses(kernel);
                return new NotebookRun(codeCells.Count, failed, StoppedAtCell: i + 1);
            }
        }

        if (lastRun is not null && EndLeftoverProcesses(kernel) is { Count: > 0 } left)
        {
            failed++;
            var outputs = (JsonArray)lastRun["outputs"]!;
            outputs.Add(CellOutputs.Error("ProcessesLeftRunning",
                "The notebook left processes running (they were ended now):\n" + string.Join("\n", left)));
        }
        return new NotebookRun(codeCells.Count, failed, StoppedAtCell: null);
    }

    private async Task<(bool Ok, bool TimedOut)> RunCellAsync(KernelTool kernel, string code, CellOutputs outputs)
    {
        bool failed = false;
        try
        {
            await kernel.SubmitAsync(code, e =>
            {
                lock (outputs)
                {
                    if (e["eventType"]?.GetValue<string>() == "CommandFailed") failed |= outputs.AddFailure(e);
                    else outputs.Add(e);
                }
            }, cellTimeout);
            lock (outputs) return (!failed, false);
        }
        catch (TimeoutException)
        {
            lock (outputs) outputs.AddError("CellTimedOut", $"The cell did not finish within {cellTimeout.TotalSeconds:0} s.");
            return (false, true);
        }
        catch (InvalidOperationException e)
        {
            lock (outputs) outputs.AddError("KernelExited", e.Message);
            return (false, false);
        }
    }

    /// <summary>Processes the cells started and left running: reported as a failure, then ended.</summary>
    private static IReadOnlyList<ProcessInfo> EndLeftoverProcesses(KernelTool kernel)
    {
        var self = Environment.ProcessId;
        var deadline = DateTime.UtcNow.AddSeconds(3);
        IReadOnlyList<ProcessInfo> left;
        while ((left = Left()).Count > 0 && DateTime.UtcNow < deadline) Thread.Sleep(100);
        foreach (var p in left)
        {
            try { Process.GetProcessById(p.Pid).Kill(); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException) { }
        }
        return left;

        IReadOnlyList<ProcessInfo> Left() => [.. ProcessTree.LiveDescendants(self).Where(p => !kernel.IsKernel(p.Pid, p.CommandLine))];
    }
}

/// <summary>A cell's outputs in Jupyter's shape, built from kernel events as they arrive.</summary>
internal sealed class CellOutputs(int executionCount)
{
    private readonly List<JsonObject> _outputs = [];
    private readonly Dictionary<string, JsonObject> _displays = [];
    private bool _errorAdded;

    /// <summary>Adds what one event envelope of the kernel's stdio protocol shows.</summary>
    public void Add(JsonObject envelope)
    {
        var e = envelope["event"] as JsonObject ?? [];
        var valueId = e["valueId"]?.GetValue<string>();
        switch (envelope["eventType"]?.GetValue<string>())
        {
            case "StandardOutputValueProduced": AddStream("stdout", PlainText(e)); break;
            case "StandardErrorValueProduced": AddStream("stderr", PlainText(e)); break;
            case "ReturnValueProduced":
                _outputs.Add(new JsonObject
                {
                    ["data"] = Data(e),
                    ["execution_count"] = executionCount,
                    ["metadata"] = new JsonObject(),
                    ["output_type"] = "execute_result",
                });
                break;
            case "DisplayedValueUpdated" when valueId is not null && _displays.TryGetValue(valueId, out var shown):
                shown["data"] = Data(e);
                break;
            case "ErrorProduced":
                AddStream("stderr", e["message"]?.GetValue<string>() + "\n");
                break;
            case "DisplayedValueProduced" or "DisplayedValueUpdated":
                var output = new JsonObject { ["data"] = Data(e), ["metadata"] = new JsonObject(), ["output_type"] = "display_data" };
                _outputs.Add(output);
                if (valueId is not null) _displays[valueId] = output;
                break;
        }
    }

    /// <summary>
    /// Adds the error of a failed command once; returns true when it counts as the cell failing: the cell's own
    /// command, or code it submitted, failed (not an auxiliary command such as a completion request).
    /// </summary>
    public bool AddFailure(JsonObject envelope)
    {
        var token = KernelTool.Token(envelope);
        var isRoot = !token.Contains('.');
        if (!isRoot && envelope["command"]?["commandType"]?.GetValue<string>() != "SubmitCode") return false;
        var message = envelope["event"]?["message"]?.GetValue<string>() ?? "the cell failed";
        if (!_errorAdded) AddError(ErrorName(message), message);
        return true;
    }

    /// <summary>Jupyter's ename: the stdio protocol carries a failure's message, not its exception.</summary>
    private static string ErrorName(string message) =>
        Regex.IsMatch(message, @"^\(\d+,\d+\): error CS\d+") ? "CompilationError"
        : Regex.Match(message, @"^(?:[\w]+\.)*(\w*(?:Exception|Error)):") is { Success: true } m ? m.Groups[1].Value
        : "Error";

    public void AddError(string name, string message)
    {
        _errorAdded = true;
        _outputs.Add(Error(name, message));
    }

    public static JsonObject Error(string name, string message)
    {
        var lines = message.Replace("\r", "").Split('\n');
        return new JsonObject
        {
            ["ename"] = name,
            ["evalue"] = lines[0],
            ["output_type"] = "error",
            ["traceback"] = new JsonArray(lines.Select(l => (JsonNode)l!).ToArray()),
        };
    }

    public JsonArray ToJson() => new(_outputs.Select(o => (JsonNode)o.DeepClone()).ToArray());

    private void AddStream(string name, string text)
    {
        if (text.Length == 0) return;
        if (_outputs.Count > 0 && _outputs[^1]["output_type"]?.GetValue<string>() == "stream"
            && _outputs[^1]["name"]?.GetValue<string>() == name)
        {
            var previous = NotebookDocument.JoinLines(_outputs[^1]["text"]);
            _outputs[^1]["text"] = NotebookDocument.Lines(previous + text);
            return;
        }
        _outputs.Add(new JsonObject { ["name"] = name, ["output_type"] = "stream", ["text"] = NotebookDocument.Lines(text) });
    }

    private static string PlainText(JsonObject e) =>
        FormattedValues(e).FirstOrDefault(v => v.MimeType == "text/plain").Value ?? "";

    private static JsonObject Data(JsonObject e)
    {
        var data = new JsonObject();
        foreach (var (mimeType, value) in FormattedValues(e).OrderBy(v => v.MimeType, StringComparer.Ordinal))
        {
            data[mimeType] = mimeType.StartsWith("text/", StringComparison.Ordinal) || mimeType.EndsWith("json", StringComparison.Ordinal)
                ? NotebookDocument.Lines(value)
                : value;
        }
        return data;
    }

    private static IEnumerable<(string MimeType, string Value)> FormattedValues(JsonObject e) =>
        (e["formattedValues"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(v => (v["mimeType"]?.GetValue<string>() ?? "", v["value"]?.GetValue<string>() ?? ""))
            .Where(v => v.Item1.Length > 0);
}
