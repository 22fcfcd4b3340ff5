using System.Text;
using ScottPlot;
using Workbook.LoadTesting;

namespace Workbook.Notebooks;

/// <summary>
/// A session run against a cluster: the load's result, every worker the cluster had (in the order they started, the
/// replacements last), and the workers a rolling restart replaced, with when.
/// </summary>
public sealed record SessionRun(SessionLoadResult Load, IReadOnlyList<int> Workers, IReadOnlyList<ReplacedWorker> Replaced, TimeSpan? RestartTook)
{
    /// <summary>Pages answered by each worker the cluster had, those that answered none included.</summary>
    public IReadOnlyList<(int Pid, long Pages)> PagesByWorker =>
        [.. Workers.Select(pid => (pid, Load.ByAttribution.GetValueOrDefault(pid.ToString())))];

    /// <summary>"pid 5610: 43,796 pages, pid 5625: 0 pages".</summary>
    public string DescribePagesByWorker() => string.Join(", ", PagesByWorker.Select(w => $"pid {w.Pid}: {w.Pages:N0} pages"));

    /// <summary>Pages per worker as bars, every worker of the cluster shown (an idle one as a zero).</summary>
    public Plot PagesByWorkerChart(string title) =>
        Charts.Bars(title, "pages", PagesByWorker.Select(w => ($"pid {w.Pid}", (double)w.Pages)));

    /// <summary>For each replaced worker: the users who had a session on it when it stopped getting connections, and what became of them.</summary>
    public IReadOnlyList<RestartHit> RestartHits() => [.. Replaced.Select(Hit)];

    private RestartHit Hit(ReplacedWorker replaced)
    {
        var old = replaced.OldPid.ToString();
        var log = Load.SessionLog;
        // The session each user had open when the worker was taken out of the rotation: its login sent before, its last answer after.
        var open = log.Where(s => s.Began <= replaced.At && s.Ended >= replaced.At).GroupBy(s => s.Client).Select(g => g.First()).ToList();
        var onIt = open.Where(s => s.Worker == old).ToList();
        var elsewhere = open.Where(s => s.Worker != old).GroupBy(s => s.Worker ?? "?").OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count())).ToList();
        var lostOnIt = onIt.Where(s => s.Lost).Select(s => s.Client).Order().ToList();
        var heldAndLost = log.Count(s => s.Lost && s.Worker == old);
        return new RestartHit(replaced, onIt.Count, lostOnIt, heldAndLost - lostOnIt.Count, elsewhere, Load.Clients - open.Count);
    }

    /// <summary>Who the rolling restart logged out and why, from this run's session log: one line per replaced worker, then the sum.</summary>
    public string ExplainRestart()
    {
        if (Replaced.Count == 0) return $"{Load.Label}: no worker was replaced.";
        var hits = RestartHits();
        var text = new StringBuilder();
        foreach (var hit in hits) text.AppendLine(hit.ToString());
        var union = hits.SelectMany(h => h.LoggedOut).Distinct().Count();
        var again = hits.Sum(h => h.LoggedOut.Count) - union;
        text.AppendLine($"Users asked to log in again: {Load.ClientsWhoLostASession} of {Load.Clients}: " +
                        $"{string.Join(" + ", hits.Select(h => h.LoggedOut.Count))} on the replaced workers as they left" +
                        (again > 0 ? $", {again} of them on {(hits.Count == 2 ? "both" : "more than one")}" : "") +
                        $" ({union} different users).");
        var lost = Load.SessionLog.Where(s => s.Lost).ToList();
        if (lost.Count > 0)
            text.Append($"Sessions lost: {lost.Count:N0} of {Load.Sessions:N0}, " +
                        $"{lost.Count(s => Replaced.Any(r => r.OldPid.ToString() == s.Worker)):N0} of them held by a replaced worker; the last lost " +
                        $"{lost.Max(s => s.Ended).TotalSeconds:0.00} s into the run, which went on until {Load.Duration.TotalSeconds:0.0} s.");
        return text.ToString();
    }

    /// <summary>The summary and timeline of the load, then every worker's pages (zeros included) and the restart.</summary>
    internal string Html()
    {
        var html = new StringBuilder(SessionView.Html(Load));
        html.Append($"<div>every worker: {System.Net.WebUtility.HtmlEncode(DescribePagesByWorker())}");
        if (RestartTook is { } took)
            html.Append($"<br>rolling restart: {Replaced.Count} workers replaced in {took.TotalSeconds:0.0} s, " +
                        $"{string.Join(", ", Replaced.Select(r => $"pid {r.OldPid} at {r.At.TotalSeconds:0.00} s"))}");
        return html.Append("</div>").ToString();
    }

    /// <inheritdoc cref="SessionLoadResult.ToString"/>
    public override string ToString() => Load.ToString();
}
