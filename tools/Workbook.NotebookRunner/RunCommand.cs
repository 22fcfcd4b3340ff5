using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Workbook.NotebookRunner;

/// <summary>Runs each notebook in a worker process (this program again, with --execute) and sums up in a table.</summary>
internal sealed class RunCommand : AsyncCommand<RunSettings>
{
    public override ValidationResult Validate(CommandContext context, RunSettings settings) => settings.ValidatePaths();

    public override async Task<int> ExecuteAsync(CommandContext context, RunSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Execute is { } one) return await ExecuteOneAsync(one, settings);

        var notebooks = settings.Notebooks();
        try
        {
            await KernelTool.RestoreAsync();
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        var table = new Table().AddColumns("chapter", "cells", "failed cells", "seconds");
        bool allOk = true;
        foreach (var notebook in notebooks)
        {
            var stopwatch = Stopwatch.StartNew();
            var exitCode = await RunWorkerAsync(notebook, settings);
            var (cells, failed, notRun) = CountResults(Path.Combine(settings.OutDir, Path.GetFileName(notebook)));
            var ok = exitCode == 0 && failed == 0 && notRun == 0 && cells >= 0;
            allOk &= ok;
            table.AddRow(
                Path.GetFileNameWithoutExtension(notebook),
                cells < 0 ? "?" : cells.ToString(),
                ok ? "0" : $"[red]{(cells < 0 ? "not written" : failed + (notRun > 0 ? $" (+{notRun} not run)" : ""))}[/]",
                stopwatch.Elapsed.TotalSeconds.ToString("0.0"));
        }
        AnsiConsole.Write(table);
        Console.WriteLine(allOk ? $"All {notebooks.Count} notebook(s) ran without a failed cell. Output: {settings.OutDir}"
                                : $"Some cells failed. Executed notebooks (with the errors) are in {settings.OutDir}");
        return allOk ? 0 : 1;
    }

    private static async Task<int> RunWorkerAsync(string notebook, RunSettings settings)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(NotebookExecutor).Assembly.Location);
        var seconds = settings.CellTimeout.ToString(CultureInfo.InvariantCulture);
        foreach (var a in new[] { "--execute", notebook, "--out", settings.OutDir, "--cell-timeout", seconds })
            start.ArgumentList.Add(a);
        // Package restores (#r "nuget:") run dotnet; no build node may outlive the notebook.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        using var worker = Process.Start(start)!;
        var limit = TimeSpan.FromMinutes(60);
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await worker.WaitForExitAsync(cts.Token);
            return worker.ExitCode;
        }
        catch (OperationCanceledException)
        {
            worker.Kill(entireProcessTree: true);
            Console.Error.WriteLine($"{notebook}: still running after {limit.TotalMinutes} minutes; ended.");
            return 1;
        }
    }

    private static (int Cells, int Failed, int NotRun) CountResults(string executed)
    {
        if (!File.Exists(executed)) return (-1, -1, -1);
        var doc = NotebookDocument.Load(executed);
        var code = doc.Cells.Where(c => NotebookDocument.CellType(c) == "code").ToList();
        var failed = code.Count(c => c["outputs"]?.AsArray().OfType<JsonObject>().Any(o => o["output_type"]?.GetValue<string>() == "error") == true);
        var notRun = code.Count(c => c["execution_count"] is null);
        return (code.Count, failed, notRun);
    }

    private static async Task<int> ExecuteOneAsync(string path, RunSettings settings)
    {
        // Orphans of the notebook's children are re-parented to this worker, so the leftover check finds them.
        Native.BecomeChildSubreaper();
        var notebook = NotebookDocument.Load(path);
        var target = Path.Combine(settings.OutDir, Path.GetFileName(path));
        Directory.CreateDirectory(settings.OutDir);
        foreach (var stale in new[] { target, Path.ChangeExtension(target, ".html") }) File.Delete(stale);

        Console.Error.WriteLine($"{notebook.Name}: executing");
        var run = await new NotebookExecutor(settings.CellTimeoutSpan, Console.Error).ExecuteAsync(notebook);
        notebook.Save(target);
        File.WriteAllText(Path.ChangeExtension(target, ".html"), HtmlRenderer.Render(notebook));
        Console.Error.WriteLine($"{notebook.Name}: {run.CodeCells} code cells, {run.FailedCells} failed" +
            (run.StoppedAtCell is int stop ? $"; stopped at code cell {stop}, the cells after it did not run" : ""));
        // Exit at once: a timed-out cell may still be running on a thread of this process. First collect the
        // exit status of adopted orphans that already ended, so no zombie is handed on to init.
        Native.ReapEndedChildren();
        Console.Error.Flush();
        Environment.Exit(run.FailedCells == 0 ? 0 : 1);
        return 0;
    }
}

internal static partial class Native
{
    [System.Runtime.InteropServices.LibraryImport("libc", SetLastError = true)]
    private static partial int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [System.Runtime.InteropServices.LibraryImport("libc", SetLastError = true)]
    private static partial int waitpid(int pid, out int status, int options);

    public static void BecomeChildSubreaper() => prctl(36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0, 0);

    public static void ReapEndedChildren()
    {
        while (waitpid(-1, out _, 1 /* WNOHANG */) > 0) { }
    }
}
