using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.DotNet.Interactive.Formatting;
using ScottPlot;
using Workbook.Cluster;
using Workbook.LoadTesting;

namespace Workbook.Notebooks;

/// <summary>One answer of examples/Sessions' <c>GET /visits</c>: the process, its own count, the shared store's (null without one).</summary>
public sealed record Visit(int Pid, long ThisWorker, long? Shared);

/// <summary>A worker that a rolling restart replaced during a session run, and when (seconds into the run).</summary>
public sealed record ReplacedWorker(int OldPid, int NewPid, TimeSpan At);

/// <summary>
/// Chapter 07's experiment: examples/Sessions (a login app) as a cluster of two workers whose primary is the
/// notebook, a crowd of users logging in and reading pages, and optionally a rolling restart in the middle.
/// </summary>
public static class SessionsExample
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false });

    static SessionsExample() =>
        Formatter.Register<SessionRun>((run, writer) => writer.Write(run.Html()), HtmlFormatter.MimeType);

    /// <summary>The users of every run: 20 at once, each logs in, then asks for its profile up to 10 times.</summary>
    public const int Users = 20, PagesPerLogin = 10;

    /// <summary>How long a run without a restart offers load.</summary>
    public static TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>When a rolling restart starts, seconds into the run.</summary>
    public static TimeSpan RestartAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the load goes on after a rolling restart has finished.</summary>
    public static TimeSpan AfterRestart { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A cluster of two workers of examples/Sessions with <paramref name="args"/>, on a free port, their output hidden.</summary>
    public static ClusterSettings Cluster(params string[] args) => new()
    {
        Exec = Examples.Dll("Sessions"), Args = args, Workers = 2, Port = 0, WorkerOutput = TextWriter.Null,
    };

    /// <summary><c>GET /visits</c> <paramref name="times"/> times, one after the other, each on a new connection (so round-robin picks anew).</summary>
    public static async Task<IReadOnlyList<Visit>> VisitAsync(Uri url, int times)
    {
        var visits = new List<Visit>();
        for (int i = 0; i < times; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, "/visits"));
            request.Headers.ConnectionClose = true;
            using var response = await Http.SendAsync(request).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false)).RootElement;
            var shared = answer.GetProperty("shared");
            visits.Add(new Visit(answer.GetProperty("pid").GetInt32(), answer.GetProperty("thisWorker").GetInt64(),
                shared.ValueKind == JsonValueKind.Number ? shared.GetInt64() : null));
        }
        return visits;
    }

    /// <summary>
    /// Starts <paramref name="workers"/> workers with <c>--store <paramref name="store"/></c> (and <paramref name="extraArgs"/>)
    /// under <paramref name="affinity"/>, runs the users against them and stops the cluster. User i connects from
    /// <paramref name="from"/>[i] (none given: all from 127.0.0.1). Without <paramref name="restart"/> the run lasts
    /// <see cref="Duration"/>; with it, a rolling restart starts <see cref="RestartAfter"/> into the run, and the run ends
    /// <see cref="AfterRestart"/> after the restart has finished (on the next whole second). <paramref name="during"/> does something else at that
    /// moment instead (e.g. kill a worker), and the run ends as after a restart.
    /// </summary>
    public static async Task<SessionRun> MeasureAsync(string label, string store, SessionAffinity affinity = SessionAffinity.None,
        bool restart = false, IReadOnlyList<IPAddress>? from = null, IReadOnlyList<string>? extraArgs = null, int workers = 2,
        Func<ClusterPrimary, Task>? during = null)
    {
        if (restart && during is not null) throw new ArgumentException("Give either restart or during, not both.", nameof(during));
        var settings = Cluster(["--store", store, .. extraArgs ?? []]) with { SessionAffinity = affinity, Workers = workers };
        var cluster = await ClusterPrimary.StartAsync(settings).ConfigureAwait(false);
        try
        {
            var pids = cluster.Workers.Values.OrderBy(w => w.Place).Select(w => w.Pid ?? 0).ToList();
            var acting = restart || during is not null;
            var run = SessionLoadRunner.Start(new SessionLoadTest
            {
                Label = label, Url = cluster.Url, Clients = Users, RequestsPerLogin = PagesPerLogin, SourceAddresses = from ?? [],
                Duration = acting ? TimeSpan.FromSeconds(30) : Duration, // then it is ended by Finish, below
            });
            var shown = run.ShowProgressAsync();
            var replaced = new List<ReplacedWorker>();
            void OnReplaced(WorkerReplacement step)
            {
                lock (replaced) replaced.Add(new ReplacedWorker(step.Old.Pid ?? 0, step.New.Pid ?? 0, run.Progress.Elapsed));
            }
            void OnForked(Worker worker)
            {
                lock (pids) pids.Add(worker.Pid ?? 0);
            }
            cluster.Replaced += OnReplaced;
            cluster.Online += OnForked;
            TimeSpan? took = null;
            if (acting)
            {
                await Task.Delay(RestartAfter).ConfigureAwait(false);
                run.Mark(restart ? "restart" : "now");
                if (restart) took = (await cluster.RollingRestartAsync().ConfigureAwait(false)).Elapsed;
                else await during!(cluster).ConfigureAwait(false);
                if (restart) run.Mark("restarted");
                await run.StopOnWholeSecondAsync(AfterRestart).ConfigureAwait(false);
            }
            var result = await shown.ConfigureAwait(false);
            cluster.Replaced -= OnReplaced;
            cluster.Online -= OnForked;
            lock (pids) lock (replaced) return new SessionRun(result, [.. pids.Distinct()], [.. replaced], took);
        }
        finally
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
        }
    }

}

/// <summary>Ending a session run when something else is over (a rolling restart), with its last second whole.</summary>
public static class SessionRunEnding
{
    /// <summary>
    /// Waits <paramref name="atLeast"/>, then until the run's clock reaches a whole second, and finishes the run
    /// (<see cref="SessionLoadRun.Stop()"/>): its last second is complete, so the timeline can draw all of it.
    /// </summary>
    public static async Task StopOnWholeSecondAsync(this SessionLoadRun run, TimeSpan atLeast)
    {
        ArgumentNullException.ThrowIfNull(run);
        var end = TimeSpan.FromSeconds(Math.Ceiling((run.Progress.Elapsed + atLeast).TotalSeconds));
        var left = end - run.Progress.Elapsed;
        if (left > TimeSpan.Zero) await Task.Delay(left).ConfigureAwait(false);
        run.Stop();
    }
}

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

/// <summary>
/// What one worker's replacement did to the users: how many had a session on it when it left the rotation, which of
/// them were asked to log in again (<see cref="LoggedOut"/>) and how many finished their pages on it as it drained;
/// any other session it held that was lost (<see cref="LostEarlier"/>: before the moment, e.g. to its replacement);
/// where the other users' sessions were, and how many users had none open (between sessions).
/// </summary>
public sealed record RestartHit(ReplacedWorker Worker, int OnIt, IReadOnlyList<int> LoggedOut, int LostEarlier,
    IReadOnlyList<(string Worker, int Users)> Elsewhere, int BetweenSessions)
{
    /// <summary>Users with a session on the worker as it left who finished their pages there (it drained) and lost nothing.</summary>
    public int Finished => OnIt - LoggedOut.Count;

    public override string ToString() =>
        $"pid {Worker.OldPid} left the rotation {Worker.At.TotalSeconds:0.00} s into the run: {OnIt} users had a session on it; " +
        $"{LoggedOut.Count} were asked to log in again, {Finished} finished their pages on it as it drained" +
        (LostEarlier > 0 ? $" ({LostEarlier} more of its sessions were lost before that moment)" : "") +
        ". " + Others();

    private string Others()
    {
        var others = Elsewhere.Select(e => $"{e.Users} on pid {e.Worker}").ToList();
        if (BetweenSessions > 0) others.Add($"{BetweenSessions} between sessions");
        return others.Count == 0 ? "No other user had a session open then." : $"The other users: {string.Join(", ", others)}.";
    }
}
