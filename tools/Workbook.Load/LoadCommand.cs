using System.Text.Json;
using ScottPlot;
using Spectre.Console;
using Spectre.Console.Cli;
using Workbook.LoadTesting;
using Workbook.Notebooks;
using Workbook.Tools;

namespace Workbook.LoadTool;

/// <summary>One load run: progress while it runs, then the summary, or one JSON object for other tools.</summary>
internal sealed class LoadCommand : AsyncCommand<LoadSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, LoadSettings settings, CancellationToken cancellationToken)
    {
        var test = settings.ToLoadTest();
        LoadRun run;
        try
        {
            run = LoadRunner.Start(test);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"Workbook.Load: {e.Message}");
            return ToolCommandLine.BadArguments;
        }
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            run.Cancel();
        };

        if (settings.Json)
        {
            // For other tools (the benchmark): one JSON object, nothing else on stdout.
            var done = await run.Completion;
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                done.Label, done.Requests, done.Ok, done.Failed, done.Unfinished, done.Throughput,
                P50Ms = done.Latency.P50.TotalMilliseconds, P99Ms = done.Latency.P99.TotalMilliseconds, MaxMs = done.Latency.Max.TotalMilliseconds,
            }, JsonSerializerOptions.Web));
            return 0;
        }

        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask("starting", maxValue: test.Duration.TotalSeconds);
                while (!run.Completion.IsCompleted)
                {
                    var p = run.Progress;
                    bar.Value = Math.Min(p.Elapsed.TotalSeconds, bar.MaxValue);
                    bar.Description = $"{p.Requests:N0} requests, {p.Ok:N0} ok, {p.Failed:N0} failed, {p.CurrentRate:N0} ok/s";
                    await Task.WhenAny(run.Completion, Task.Delay(250));
                }
                bar.Value = bar.MaxValue;
            });
        var result = await run.Completion;

        var table = new Table().AddColumns("", "").HideHeaders();
        table.AddRow("load", Markup.Escape($"{result.Profile}, {result.Connection}"));
        table.AddRow("requests", $"{result.Requests:N0} in {result.Duration.TotalSeconds:0.0} s (stopped by {result.StoppedBy.Describe()})");
        table.AddRow("ok", $"{result.Ok:N0} ({result.Throughput:N0} req/s)");
        table.AddRow("failed", result.DescribeFailures("none"));
        if (result.Unfinished > 0) table.AddRow("unfinished", $"{result.Unfinished:N0}");
        var l = result.Latency;
        table.AddRow("latency", $"p50 {LoadResult.FormatLatency(l.P50)}, p90 {LoadResult.FormatLatency(l.P90)}, p99 {LoadResult.FormatLatency(l.P99)}, max {LoadResult.FormatLatency(l.Max)}");
        foreach (var (value, count) in result.ByAttribution) table.AddRow(Markup.Escape($"{settings.Attribute} {value}"), $"{count:N0}");
        AnsiConsole.Write(table);

        if (settings.Png is { } png)
        {
            LoadCharts.Timeline(result).SavePng(png, 900, 450);
            Console.WriteLine($"chart: {Path.GetFullPath(png)}");
        }
        return 0;
    }
}
