using System.Diagnostics;
using System.Text.RegularExpressions;
using Workbook.Notebooks;
using static Workbook.Benchmarks.AvailabilityBenchmark;

namespace Workbook.Benchmarks;

/// <summary>
/// The report's cluster-tool topic: <c>dotnet cluster</c> running an unmodified app (examples/NotesWeb, the notes'
/// 1e7 loop per request) against PM2 running the notes' server.js, 2 instances each, each with a daemon of its own.
/// (a) two reloads at 30% and 60% of a load run, under <c>ab -r</c> and keep-alive <c>wrk</c>, interleaved rounds;
/// (b) <c>start … -i 2</c> with a cold daemon until the command returns, the first 200, and both workers answering.
/// </summary>
public static partial class ClusterToolBenchmark
{
    private const string Ours = "ours, dotnet cluster reload (examples/NotesWeb)";

    /// <summary>The topic's rows; <paramref name="have"/> says whether a tool is installed (and records the skip when not).</summary>
    public static async Task<CsvTable> MeasureAsync(TimeSpan duration, int rounds, int samples, string? pm2, Func<string, string, bool> have)
    {
        var table = new CsvTable("cluster-tool", "runs", "requests", "failed", "socket_errors", "bad_responses", "runs_with_failures", "workers_replaced",
            "median_ms", "min_ms", "max_ms", "note");
        var runs = new List<RestartRun>();
        foreach (var (mode, tool, client) in RestartLoads(duration))
        {
            if (!have(tool, $"dotnet cluster reloads under {mode}")) continue;
            var methods = new List<Func<Task<RestartRun>>> { () => ReloadRunAsync(mode, client, duration) };
            if (pm2 is not null) methods.Add(() => Pm2ReloadRunAsync(pm2, mode, client, duration));
            for (int round = 0; round < rounds; round++)
                for (int k = 0; k < methods.Count; k++)
                    runs.Add(await methods[(k + round) % methods.Count]());
        }
        foreach (var g in runs.GroupBy(r => (r.Mode, r.Server)))
        {
            var socket = g.Sum(r => SocketErrors(r.Detail));
            table.Add($"two reloads (at 30% and 60%), {g.Key.Mode}", g.Key.Server, g.Count(), g.Sum(r => r.Requests), g.Sum(r => r.Failed), socket,
                g.Sum(r => r.Failed) - socket, g.Count(r => r.Failed > 0), g.Sum(r => r.Replaced), null, null, null,
                string.Join("; ", g.Select(r => r.Note).Where(n => n.Length > 0).Distinct()));
        }

        var starts = new List<(string Server, string Step, double Ms)>();
        for (int i = 0; i < samples; i++)
        {
            // Interleaved, each first in turn: whichever starts second finds the disk cache warmer.
            var order = new List<Func<Task<List<(string, string, double)>>>> { OursStartAsync };
            if (pm2 is not null) order.Add(() => Pm2StartAsync(pm2));
            if (i % 2 == 1) order.Reverse();
            foreach (var measure in order) starts.AddRange(await measure());
        }
        foreach (var g in starts.GroupBy(s => (s.Step, s.Server)))
        {
            var ms = g.Select(s => s.Ms).ToList();
            table.Add($"start -i 2, cold daemon → {g.Key.Step}", g.Key.Server, ms.Count, null, null, null, null, null, null,
                Stats.Median(ms), ms.Min(), ms.Max(), "");
        }
        return table;
    }

    /// <summary>Two <c>dotnet cluster reload</c>s at 30% and 60% of a load <paramref name="duration"/> long, as <see cref="Pm2ReloadRunAsync"/>.</summary>
    internal static async Task<RestartRun> ReloadRunAsync(string mode, Func<Uri, Task<Measurement>> client, TimeSpan duration)
    {
        await using var home = new ClusterToolHome();
        var port = RunningServer.FreePort();
        await home.StartAsync("bench", 2, port, NotesWork);
        var pids = home.Workers().Select(w => w.Pid).ToList();
        var load = client(new Uri($"http://127.0.0.1:{port}/"));
        await Task.Delay(duration * 0.3);
        await home.ReloadAsync("bench");
        var afterFirst = home.Workers().Select(w => w.Pid).ToList();
        await Task.Delay(duration * 0.3);
        await home.ReloadAsync("bench");
        var m = await load;
        var afterSecond = home.Workers().Select(w => w.Pid).ToList();
        var replaced = afterFirst.Except(pids).Count() + afterSecond.Except(afterFirst).Count();
        var note = afterSecond.Count == 2 ? "" : $"{afterSecond.Count} workers afterwards";
        Console.WriteLine($"  reload: {"dotnet cluster reload",-44} {mode,-46} {m.Requests,7} requests  {m.Failed,4} failed ({m.Detail})  {note}");
        return new RestartRun(mode, Ours, m.Requests, m.Failed, replaced, m.Detail, note);
    }

    /// <summary>ab's Connect, Receive and Exceptions, or wrk's connect, read, write and timeout errors, from a measurement's detail.</summary>
    internal static long SocketErrors(string detail) =>
        AbSocket().Matches(detail).Concat(WrkSocket().Matches(detail)).Sum(m => long.Parse(m.Groups[1].Value));

    /// <summary>Cold: a home of its own, so the daemon starts too (as PM2's does on its first start).</summary>
    private static async Task<List<(string, string, double)>> OursStartAsync()
    {
        const string server = "ours, dotnet cluster start (examples/NotesWeb)";
        await using var home = new ClusterToolHome();
        var port = RunningServer.FreePort();
        var clock = Stopwatch.StartNew();
        await home.StartAsync("bench", 2, port, NotesWork);
        var returned = clock.Elapsed.TotalMilliseconds;
        var (first, both) = await UntilAnsweredAsync(new Uri($"http://127.0.0.1:{port}/"), clock);
        Console.WriteLine($"  start: {server,-52} returned {returned,6:0} ms, first 200 {first,6:0} ms, both workers {both,6:0} ms");
        return [(server, "the command returned", returned), (server, "first 200", first), (server, "both workers answered", both)];
    }

    private static async Task<List<(string, string, double)>> Pm2StartAsync(string bin)
    {
        var server = $"PM2 {Pm2.PinnedVersion}, pm2 start (the notes' server.js)";
        var clock = Stopwatch.StartNew();
        await using var pm2 = await Pm2.LaunchAsync(bin, Path.Combine(AppContext.BaseDirectory, "node", "server.js"), 2, NotesWork, RunningServer.FreePort());
        var returned = clock.Elapsed.TotalMilliseconds;
        var (first, both) = await UntilAnsweredAsync(pm2.Url, clock);
        Console.WriteLine($"  start: {server,-52} returned {returned,6:0} ms, first 200 {first,6:0} ms, both workers {both,6:0} ms");
        return [(server, "the command returned", returned), (server, "first 200", first), (server, "both workers answered", both)];
    }

    /// <summary>
    /// GETs on a new connection each, every 10 ms, until a 200, then until two workers (X-Worker-Pid) answered;
    /// the times on <paramref name="clock"/>. At most 60 s.
    /// </summary>
    private static async Task<(double First, double Both)> UntilAnsweredAsync(Uri url, Stopwatch clock)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var pids = new HashSet<string>();
        double first = double.NaN;
        var deadline = clock.Elapsed + TimeSpan.FromSeconds(60);
        while (clock.Elapsed < deadline)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.ConnectionClose = true;
                using var response = await http.SendAsync(request);
                if (response.IsSuccessStatusCode)
                {
                    if (double.IsNaN(first)) first = clock.Elapsed.TotalMilliseconds;
                    if (response.Headers.TryGetValues("X-Worker-Pid", out var pid)) pids.Add(pid.First());
                    if (pids.Count >= 2) return (first, clock.Elapsed.TotalMilliseconds);
                    continue;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(10);
        }
        throw new TimeoutException($"{url}: {(double.IsNaN(first) ? "no answer" : $"{pids.Count} worker(s) answered")} within 60 s");
    }

    [GeneratedRegex(@"(?:Connect|Receive|Exceptions): (\d+)")] private static partial Regex AbSocket();
    [GeneratedRegex(@"(?:connect|read|write|timeout) (\d+)")] private static partial Regex WrkSocket();
}
