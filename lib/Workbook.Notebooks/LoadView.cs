using System.Net;
using System.Text;
using Microsoft.AspNetCore.Html;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;
using ScottPlot;
using Workbook.LoadTesting;


namespace Workbook.Notebooks;

/// <summary>How a load run shows in a notebook: live progress while it runs, then a summary table and its chart.</summary>
public static class LoadView
{
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Shows the run's progress in the cell (elapsed time, requests, failures, current rate), updated while it
    /// runs, and returns its result. Start it without awaiting to act during the run (kill a worker, mark it).
    /// </summary>
    public static Task<LoadResult> ShowProgressAsync(this LoadRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return ShowWhileRunningAsync(run.Completion, done => Progress(run.Test, run.Progress, done));
    }

    /// <summary>Shows <paramref name="view"/> in the cell and refreshes it until <paramref name="completion"/> completes.</summary>
    internal static async Task<T> ShowWhileRunningAsync<T>(Task<T> completion, Func<bool, IHtmlContent> view)
    {
        var display = KernelInvocationContext.Current?.Display(view(false), HtmlFormatter.MimeType);
        while (!completion.IsCompleted)
        {
            await Task.WhenAny(completion, Task.Delay(RefreshEvery));
            display?.Update(view(completion.IsCompleted));
        }
        var result = await completion;
        display?.Update(view(true));
        return result;
    }

    /// <summary>Runs <paramref name="test"/> with a live progress view and returns the result.</summary>
    public static Task<LoadResult> RunAsync(LoadTest test, CancellationToken cancellationToken = default) =>
        LoadRunner.Start(test, cancellationToken).ShowProgressAsync();

    /// <summary>The summary table, then the timeline chart: what a <see cref="LoadResult"/> shows as a cell's value.</summary>
    public static string Html(LoadResult result)
    {
        var l = result.Latency;
        var failures = result.DescribeFailures("none");
        var rows = new List<(string, string)>
        {
            ("load", $"{result.Profile}, {(result.Connection == ConnectionMode.KeepAlive ? "keep-alive" : "new connection per request")}"),
            ("requests", $"{result.Requests:N0} in {result.Duration.TotalSeconds:0.0} s (stopped by {result.StoppedBy.Describe()})"),
            ("ok", $"{result.Ok:N0} — {result.Throughput:N0} req/s" +
                   (result.OkAfterEnd > 0 ? $" ({result.OkAfterEnd:N0} answered after the load stopped, not in the rate)" : "")),
            ("failed", failures),
        };
        if (result.Unfinished > 0) rows.Add(("unfinished", $"{result.Unfinished:N0} (still in flight when the run ended, after its end grace)"));
        rows.Add(("latency", $"p50 {LoadResult.FormatLatency(l.P50)} · p90 {LoadResult.FormatLatency(l.P90)} · p99 {LoadResult.FormatLatency(l.P99)} · max {LoadResult.FormatLatency(l.Max)}"));
        if (result.ByAttribution.Count > 0)
            rows.Add(("by " + (result.ByAttribution.Count == 1 ? "value" : $"value ({result.ByAttribution.Count})"),
                string.Join(", ", result.ByAttribution.Take(12).Select(a => $"{a.Key}: {a.Value:N0}"))));
        if (result.Marks.Count > 0)
            rows.Add(("marks", string.Join(", ", result.Marks.Select(m => $"{m.At.TotalSeconds:0.0} s {m.Text}"))));

        var html = new StringBuilder($"<div><b>{Encode(result.Label)}</b> — {Encode(result.Url.ToString())}<table>");
        foreach (var (name, value) in rows) html.Append($"<tr><td>{name}</td><td>{Encode(value)}</td></tr>");
        html.Append("</table>");
        html.Append(LoadCharts.Timeline(result).GetPngHtml(Notebook.PlotSize.Width, Notebook.PlotSize.Height));
        return html.Append("</div>").ToString();
    }

    private static IHtmlContent Progress(LoadTest test, LoadProgress p, bool done)
    {
        var fraction = p.Duration > TimeSpan.Zero ? Math.Min(1, p.Elapsed / p.Duration) : 1;
        var state = done ? "finished" : "running";
        return new HtmlString(
            $"<div class=\"wb-load\"><b>{Encode(test.Label)}</b> — {state}: {p.Elapsed.TotalSeconds:0.0} of {p.Duration.TotalSeconds:0.0} s " +
            $"<progress value=\"{fraction:0.###}\" max=\"1\" style=\"width:12em\"></progress><br>" +
            $"{p.Requests:N0} requests · {p.Ok:N0} ok · {p.Failed:N0} failed · " +
            (done ? $"{p.Unfinished:N0} unfinished" : $"{p.InFlight:N0} in flight · {p.CurrentRate:N0} ok/s now") + "</div>");
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
