using System.Net;
using System.Text;
using Microsoft.AspNetCore.Html;
using ScottPlot;
using Workbook.LoadTesting;

namespace Workbook.Notebooks;

/// <summary>How a session run (log in, then pages) shows in a notebook: live progress, then a summary and its timeline.</summary>
public static class SessionView
{
    /// <summary>Shows the run's progress in the cell while it runs and returns its result.</summary>
    public static Task<SessionLoadResult> ShowProgressAsync(this SessionLoadRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return LoadView.ShowWhileRunningAsync(run.Completion, done => Progress(run.Test, run.Progress, done));
    }

    /// <summary>Runs <paramref name="test"/> with a live progress view and returns the result.</summary>
    public static Task<SessionLoadResult> RunAsync(SessionLoadTest test, CancellationToken cancellationToken = default) =>
        SessionLoadRunner.Start(test, cancellationToken).ShowProgressAsync();

    /// <summary>The summary table, then the timeline: what a <see cref="SessionLoadResult"/> shows as a cell's value.</summary>
    public static string Html(SessionLoadResult r)
    {
        var rows = new List<(string, string)>
        {
            ("sessions", $"{r.Sessions:N0} logins by {r.Clients} clients in {r.Duration.TotalSeconds:0.0} s, then up to {r.RequestsPerLogin} pages each"),
            ("lost a session", $"{r.SessionsLost:N0} ({r.SessionLossRate:P1}) — a page answered 401 and the user had to log in again"),
            ("users logged out", $"{r.ClientsWhoLostASession} of {r.Clients} lost their login at least once"),
            ("pages", $"{r.Pages:N0}: {r.PagesOk:N0} ok, {r.PagesLost:N0} not logged in ({r.PageLossRate:P1})"),
            ("failed", r.DescribeFailures("none")),
        };
        if (r.WrongUser > 0) rows.Add(("another user's page", $"{r.WrongUser:N0}"));
        if (r.Unfinished > 0) rows.Add(("unfinished", $"{r.Unfinished:N0} (in flight at the end)"));
        if (r.ByAttribution.Count > 0)
            rows.Add(("pages by worker", string.Join(", ", r.ByAttribution.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}: {a.Value:N0}"))));
        if (r.Marks.Count > 0) rows.Add(("marks", string.Join(", ", r.Marks.Select(m => $"{m.At.TotalSeconds:0.0} s {m.Text}"))));

        var html = new StringBuilder($"<div><b>{Encode(r.Label)}</b> — {Encode(r.Url.ToString())}<table>");
        foreach (var (name, value) in rows) html.Append($"<tr><td>{name}</td><td>{Encode(value)}</td></tr>");
        html.Append("</table>");
        html.Append(Timeline(r).GetPngHtml(Notebook.PlotSize.Width, Notebook.PlotSize.Height));
        return html.Append("</div>").ToString();
    }

    /// <summary>
    /// Pages per second over the run: answered ok (2xx), answered "not logged in", and failed, with the marks as vertical lines
    /// (the rules of docs/charts.md: the problem lines get their own axis when ten times smaller or larger than the
    /// pages answered ok (2xx); a partial last second, e.g. of a run ended early, is left out).
    /// </summary>
    public static Plot Timeline(SessionLoadResult r)
    {
        var (seconds, leftOut) = ChartRules.CompleteSeconds(r.Timeline, s => s.Second, r.Duration);
        Coordinates[] Steps(Func<SessionSecond, long> value) => ChartRules.Steps(seconds, s => s.Second, s => value(s));
        List<ChartRules.Line> lines =
        [
            new("pages ok / s", ChartRules.OkColor, Steps(s => s.PagesOk)),
            new("not logged in / s", Colors.MediumPurple, Steps(s => s.PagesLost), Problem: true),
        ];
        if (r.Failed > 0) lines.Add(new("failed / s", ChartRules.ProblemColor, Steps(s => s.Failed), Problem: true));
        return ChartRules.PerSecond($"{r.Label}: pages per second", "pages / s", r.Failed > 0 ? "not logged in, failed / s" : "not logged in / s", seconds.Count,
            ChartRules.SecondsLabel(leftOut), r.Marks, lines);
    }

    private static IHtmlContent Progress(SessionLoadTest test, SessionLoadProgress p, bool done)
    {
        var fraction = p.Duration > TimeSpan.Zero ? Math.Min(1, p.Elapsed / p.Duration) : 1;
        return new HtmlString(
            $"<div class=\"wb-load\"><b>{Encode(test.Label)}</b> — {(done ? "finished" : "running")}: {p.Elapsed.TotalSeconds:0.0} of {p.Duration.TotalSeconds:0.0} s " +
            $"<progress value=\"{fraction:0.###}\" max=\"1\" style=\"width:12em\"></progress><br>" +
            $"{p.Sessions:N0} logins · {p.SessionsLost:N0} lost a session · {p.PagesOk:N0} pages ok · {p.Failed:N0} failed</div>");
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
