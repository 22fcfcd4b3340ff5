using System.Net;
using System.Text.Json;
using Microsoft.DotNet.Interactive.Formatting;
using Workbook.Cluster;
using Workbook.LoadTesting;

namespace Workbook.Notebooks;

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
