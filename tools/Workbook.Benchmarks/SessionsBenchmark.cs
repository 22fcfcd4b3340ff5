using System.Runtime.InteropServices;
using System.Text;
using Workbook.LoadTesting;
using static Workbook.Benchmarks.ClusterBenchmark;

namespace Workbook.Benchmarks;

/// <summary>
/// What sticky routing and shared session stores cost (chapter 07), with examples/Sessions as the server, two
/// workers, interleaved rounds. 1. Reading the head for cookie affinity (our runner, 64 clients, a new connection
/// per request, GET /visits with sessions in memory): no affinity vs cookie affinity with a cookie that names no
/// live worker, so every connection is peeked and then routed round-robin — the same spread, plus the whole cost of
/// the peek. (Client-IP affinity is left out: from one client address it puts every connection on one worker, a
/// different load altogether.) 2. Sessions (the session load of chapter 07, 20 users, new connection per request):
/// in worker memory with cookie affinity vs the primary's store vs Garnet, in pages served per second.
/// </summary>
public static class SessionsBenchmark
{
    public static async Task<int> RunAsync(int seconds, int rounds, string outDir)
    {
        ExternalTools.RequireInstalled();
        var duration = TimeSpan.FromSeconds(seconds);
        var report = new StringBuilder();
        report.AppendLine($"Sessions benchmark — {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}");
        report.AppendLine($"examples/Sessions, 2 workers, median of {rounds} interleaved rounds; client and server share this machine's cores.");
        report.AppendLine();

        // ab would count /visits' growing counters as "Length" failures; our runner checks the status only.
        var routing = await MeasureAsync(
            [Sessions("no affinity", "memory", "none"), Sessions("cookie affinity, every head peeked", "memory", "cookie")],
            rounds, duration, (url, t) => NewConnectionsWithCookieAsync(new Uri(url, "/visits"), t));
        Table(report, "Routing a new connection per request (our runner, 64 clients, GET /visits)", routing, baseline: "no affinity", cpu: false);

        var stores = new List<(string Store, SessionLoadResult Result)>();
        var kinds = new[] { ("worker memory, sticky by cookie", "memory", "cookie"), ("primary store", "primary", "none"), ("Redis (Garnet)", "redis", "none") };
        for (int round = 0; round < rounds; round++)
        {
            for (int k = 0; k < kinds.Length; k++)
            {
                var (name, store, affinity) = kinds[(k + round) % kinds.Length];
                await using var server = await RunningServer.StartAsync(Sessions(name, store, affinity));
                var test = new SessionLoadTest { Label = name, Url = server.Url, Clients = 20, Duration = TimeSpan.FromSeconds(2) };
                await SessionLoadRunner.RunAsync(test); // warm-up
                stores.Add((name, await SessionLoadRunner.RunAsync(test with { Duration = duration })));
                Console.WriteLine($"  {stores[^1].Result}");
            }
        }
        report.AppendLine("### Sessions: 20 users logging in, then 10 pages each (new connection per request)");
        report.AppendLine();
        report.AppendLine("| session store | pages/s | vs worker memory | logins/s | sessions lost | failed |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|");
        var basis = Stats.Median(stores.Where(s => s.Store == kinds[0].Item1).Select(s => s.Result.PagesOk / s.Result.Duration.TotalSeconds));
        var rows = new List<object>();
        foreach (var group in stores.GroupBy(s => s.Store))
        {
            var pages = Stats.Median(group.Select(s => s.Result.PagesOk / s.Result.Duration.TotalSeconds));
            var logins = Stats.Median(group.Select(s => s.Result.Sessions / s.Result.Duration.TotalSeconds));
            long lost = group.Sum(s => s.Result.SessionsLost), failed = group.Sum(s => s.Result.Failed);
            report.AppendLine($"| {group.Key} | {pages:N0} | {pages / basis:0.00}× | {logins:N0} | {lost} | {failed} |");
            rows.Add(new { store = group.Key, pagesPerSecond = pages, loginsPerSecond = logins, sessionsLost = lost, failed });
        }
        report.AppendLine();
        report.AppendLine("Every request of the session load opens a connection, goes through the session middleware, and (with a shared store) " +
                          "makes a round trip to the store: the primary over the worker's channel, Garnet over TCP.");

        return BenchmarkReport.Write(outDir, "sessions", report, new Dictionary<string, object?> { ["rounds"] = rounds, ["seconds"] = seconds },
            new { routing, stores = rows });
    }

    private static async Task<Measurement> NewConnectionsWithCookieAsync(Uri url, TimeSpan duration)
    {
        var r = await LoadRunner.RunAsync(new LoadTest
        {
            Url = url, Connection = ConnectionMode.NewPerRequest, Load = [Load.KeepConstant(64, duration)],
            Headers = new Dictionary<string, string> { ["Cookie"] = "WorkbookAffinity=0" }, // no worker has id 0
        });
        return new Measurement("ours", r.Throughput, r.Latency.P50.TotalMilliseconds, r.Latency.P99.TotalMilliseconds, r.Failed, r.Requests);
    }

    private static ServerKind Sessions(string name, string store, string affinity) => new(name, "dotnet",
        port => [ExamplePaths.Dll("Sessions"), "--workers", "2", "--port", port.ToString(), "--store", store, "--affinity", affinity], 2);
}
