using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.PackageManagement;
using Workbook.Testing;

namespace Workbook.NotebookRunner;

/// <summary>What executing one notebook gave.</summary>
public sealed record NotebookRun(int CodeCells, int FailedCells, int? StoppedAtCell);

/// <summary>
/// Runs a notebook's code cells in order in one C# kernel, configured as the dotnet-interactive tool does it,
/// and writes each cell's outputs back in Jupyter's format. Like "Run All" in VS Code, it stops at the first
/// cell that fails: the cells after it are left unexecuted rather than failing one after another.
/// </summary>
public sealed class NotebookExecutor(TimeSpan cellTimeout, TextWriter progress)
{
    public async Task<NotebookRun> ExecuteAsync(NotebookDocument notebook)
    {
        Directory.SetCurrentDirectory(Path.GetDirectoryName(Path.GetFullPath(notebook.Path))!);
        using var kernel = CreateKernel();

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
            cell["outputs"] = outputs.ToJson();
            lastRun = cell;
            if (!ok) failed++;
            progress.WriteLine($"  {notebook.Name}  cell {i + 1}/{codeCells.Count}  {(ok ? "ok" : timedOut ? "TIMED OUT" : "FAILED")}  {stopwatch.Elapsed.TotalSeconds:0.00} s");
            if (!ok)
            {
                EndLeftoverProcesses();
                return new NotebookRun(codeCells.Count, failed, StoppedAtCell: i + 1);
            }
        }

        if (lastRun is not null && EndLeftoverProcesses() is { Count: > 0 } left)
        {
            failed++;
            var outputs = (JsonArray)lastRun["outputs"]!;
            outputs.Add(CellOutputs.Error("ProcessesLeftRunning",
                "The notebook left processes running (they were ended now):\n" + string.Join("\n", left)));
        }
        return new NotebookRun(codeCells.Count, failed, StoppedAtCell: null);
    }

    private async Task<(bool Ok, bool TimedOut)> RunCellAsync(Kernel kernel, string code, CellOutputs outputs)
    {
        var command = new SubmitCode(code);
        bool failed = false;
        using var subscription = kernel.KernelEvents.Subscribe(e =>
        {
            lock (outputs)
            {
                if (e is CommandFailed f) failed |= outputs.AddFailure(f, isRoot: f.Command == command);
                else outputs.Add(e);
            }
        });

        var running = kernel.SendAsync(command);
        var done = await Task.WhenAny(running, Task.Delay(cellTimeout));
        if (done != running)
        {
            lock (outputs) outputs.AddError("CellTimedOut", $"The cell did not finish within {cellTimeout.TotalSeconds:0} s.");
            return (false, true);
        }
        var result = await running;
        lock (outputs)
        {
            if (result.Events.OfType<CommandFailed>().Any() && !failed)
            {
                foreach (var f in result.Events.OfType<CommandFailed>()) failed |= outputs.AddFailure(f, isRoot: true);
            }
            return (!failed, false);
        }
    }

    private static CompositeKernel CreateKernel()
    {
        var csharp = new CSharpKernel()
            .UseKernelHelpers()
            .UseWho()
            .UseValueSharing();
        csharp.UseNugetDirective((k, packages) =>
        {
            k.AddAssemblyReferences(packages.SelectMany(p => p.AssemblyPaths));
            return Task.CompletedTask;
        });
        var composite = new CompositeKernel { csharp };
        composite.DefaultKernelName = csharp.Name;
        return composite;
    }

    /// <summary>Processes the cells started and left running: reported as a failure, then ended.</summary>
    private static IReadOnlyList<ProcessInfo> EndLeftoverProcesses()
    {
        var self = Environment.ProcessId;
        var deadline = DateTime.UtcNow.AddSeconds(3);
        IReadOnlyList<ProcessInfo> left;
        while ((left = ProcessTree.LiveDescendants(self)).Count > 0 && DateTime.UtcNow < deadline) Thread.Sleep(100);
        foreach (var p in left)
        {
            try { Process.GetProcessById(p.Pid).Kill(); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException) { }
        }
        return left;
    }
}

/// <summary>A cell's outputs in Jupyter's shape, built from kernel events as they arrive.</summary>
internal sealed class CellOutputs(int executionCount)
{
    private readonly List<JsonObject> _outputs = [];
    private readonly Dictionary<string, JsonObject> _displays = [];
    private bool _errorAdded;

    public void Add(KernelEvent e)
    {
        switch (e)
        {
            case StandardOutputValueProduced o: AddStream("stdout", PlainText(o)); break;
            case StandardErrorValueProduced o: AddStream("stderr", PlainText(o)); break;
            case ReturnValueProduced r:
                _outputs.Add(new JsonObject
                {
                    ["data"] = Data(r),
                    ["execution_count"] = executionCount,
                    ["metadata"] = new JsonObject(),
                    ["output_type"] = "execute_result",
                });
                break;
            case DisplayedValueUpdated u when u.ValueId is not null && _displays.TryGetValue(u.ValueId, out var shown):
                shown["data"] = Data(u);
                break;
            case ErrorProduced err:
                AddStream("stderr", err.Message + "\n");
                break;
            case DisplayEvent d and (DisplayedValueProduced or DisplayedValueUpdated):
                var output = new JsonObject { ["data"] = Data(d), ["metadata"] = new JsonObject(), ["output_type"] = "display_data" };
                _outputs.Add(output);
                if (d.ValueId is not null) _displays[d.ValueId] = output;
                break;
        }
    }

    /// <summary>Adds the error of a failed command once; returns true when it counts as the cell failing.</summary>
    public bool AddFailure(CommandFailed failure, bool isRoot)
    {
        if (!isRoot && failure.Command is not SubmitCode) return false;
        if (!_errorAdded) AddError(failure.Exception?.GetType().Name ?? "Error", failure.Message);
        return true;
    }

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

    private static string PlainText(DisplayEvent e) =>
        e.FormattedValues.FirstOrDefault(v => v.MimeType == "text/plain")?.Value ?? "";

    private static JsonObject Data(DisplayEvent e)
    {
        var data = new JsonObject();
        foreach (var value in e.FormattedValues.OrderBy(v => v.MimeType, StringComparer.Ordinal))
        {
            data[value.MimeType] = value.MimeType.StartsWith("text/", StringComparison.Ordinal) || value.MimeType.EndsWith("json", StringComparison.Ordinal)
                ? NotebookDocument.Lines(value.Value)
                : value.Value;
        }
        return data;
    }
}
