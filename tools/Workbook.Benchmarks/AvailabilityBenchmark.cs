using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Workbook.Cluster;
using Workbook.Notebooks;
using static Workbook.Benchmarks.ClusterBenchmark;

namespace Workbook.Benchmarks;

/// <summary>
/// Availability and zero-downtime restarts, ours against Node's cluster with the notes' code and against PM2, same
/// machine, same clients. Targets: random crashes under <c>ab -r -c200 -t10</c>, success ≥ 99.9% and ahead of
/// Node's; two rolling restarts during <c>ab -r -c200</c> and during <c>wrk -c200</c>, 0 failed over every
/// repetition. Also: worker replacement time after a crash, and what the hand-off limit (adaptive, fixed, none) costs and saves.
/// </summary>
public static class AvailabilityBenchmark
{
    internal const long NotesWork = 10_000_000;

    public static async Task<int> RunAsync(int rounds, int repetitions, string outDir)
    {
        ExternalTools.RequireInstalled();
        var node = await NodeVersionAsync() is not null;
        var pm2 = node ? await Pm2.InstallAsync() : null;
        var results = new Dictionary<string, object>();
        var report = new StringBuilder();
        report.AppendLine($"Availability benchmark — {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}, " +
                          $"{RuntimeInformation.OSDescription}; Node {(node ? "yes" : "not installed")}, PM2 {(pm2 is null ? "not installed" : Pm2.PinnedVersion)}");
        report.AppendLine("Every server on 127.0.0.1 of this machine (2 workers), sharing its cores with the client; the notes' server (a 1e7 loop per request).");
        report.AppendLine();

        // 1. The notes' availability run: workers exit at a random moment within 10 s of their start; crashed ones are replaced.
        var crashing = new List<ServerKind>
        {
            OursCrashing(10_000),
            OursCrashingAbruptly(10_000),
        };
        if (node) crashing.Add(NodeCrashing(10_000));
        var availability = new List<CrashRun>();
        for (int round = 0; round < rounds; round++)
        {
            for (int k = 0; k < crashing.Count; k++)
            {
                var kind = crashing[(k + round) % crashing.Count];
                var run = await CrashRunAsync(kind);
                availability.Add(run);
                Console.WriteLine($"  availability {round + 1}: {run.Server,-48} {run.Requests,6} requests  {run.Failed,4} failed ({run.Detail})  {run.Crashes} crashes  {run.SuccessPercent:0.000}%");
            }
        }
        report.AppendLine("### Random crashes under `ab -r -c200 -t10` (the notes: 17 failed of over 1,800, \"over 99%\")");
        report.AppendLine();
        report.AppendLine("| server | runs | requests | failed | crashes | failed per crash | success |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var g in availability.GroupBy(r => r.Server))
        {
            long requests = g.Sum(r => r.Attempts), failed = g.Sum(r => r.Failed), crashes = g.Sum(r => r.Crashes);
            report.AppendLine($"| {g.Key} | {g.Count()} | {requests:N0} | {failed} | {crashes} | {(crashes > 0 ? (double)failed / crashes : 0):0.00} | {100.0 * (requests - failed) / Math.Max(1, requests):0.000}% |");
        }
        report.AppendLine();
        results["availability"] = availability;

        // 2. Rolling restarts: two, at 3 s and 6 s into a 10 s load, with new connections and with keep-alive clients.
        var rolling = new List<RestartRun>();
        var tenSeconds = TimeSpan.FromSeconds(10);
        foreach (var (mode, _, client) in RestartLoads(tenSeconds))
        {
            for (int rep = 0; rep < repetitions; rep++)
            {
                rolling.Add(await SignalledRestartRunAsync(OursRestarting, mode, client, expectExits: 4, tenSeconds));
                if (rep >= rounds) continue; // the others fewer times: they are here for comparison
                if (node) rolling.Add(await SignalledRestartRunAsync(NodeRestarting, mode, client, expectExits: 4, tenSeconds));
                if (pm2 is not null) rolling.Add(await Pm2ReloadRunAsync(pm2, mode, client, tenSeconds));
            }
        }
        report.AppendLine("### Two rolling restarts (at 3 s and 6 s) during a 10 s load");
        report.AppendLine();
        report.AppendLine("| load | server | runs | requests | failed | runs with failures | workers replaced | note |");
        report.AppendLine("|---|---|---:|---:|---:|---:|---:|---|");
        foreach (var g in rolling.GroupBy(r => (r.Mode, r.Server)))
        {
            var notes = string.Join("; ", g.Select(r => r.Note).Where(n => n.Length > 0).Distinct());
            report.AppendLine($"| {g.Key.Mode} | {g.Key.Server} | {g.Count()} | {g.Sum(r => r.Requests):N0} | {g.Sum(r => r.Failed)} | {g.Count(r => r.Failed > 0)} | " +
                              $"{g.Sum(r => r.Replaced)} | {notes} |");
        }
        report.AppendLine();
        report.AppendLine("\"workers replaced\" counts `Exited process` lines (ours, Node) or changed PIDs (pm2): two restarts of two " +
                          "workers make 4. A signal that arrives while a restart runs joins it in ours (coalesced: 2 per run then), " +
                          "and starts a second sequence over the same workers in the notes' code.");
        report.AppendLine();
        results["rollingRestarts"] = rolling;

        // 3. Replacement time: a worker's exit → its replacement listening.
        var replacement = await ReplacementTimesAsync(10);
        report.AppendLine("### Replacing a crashed worker");
        report.AppendLine();
        report.AppendLine($"- exit (SIGKILL) → the new worker listening, median of {replacement.Count}: {Stats.Median(replacement):0} ms (min {replacement.Min():0}, max {replacement.Max():0}); idle cluster");
        report.AppendLine();
        results["replacementMs"] = replacement;

        // 4. The hand-off limit: what it costs in throughput, and what it saves when a worker crashes mid-request.
        var limits = new List<LimitRun>();
        foreach (var limit in new[] { "adaptive", "1", "2", "8", "32", "none" })
            limits.Add(await LimitRunAsync(limit));
        report.AppendLine("### Hand-off limit K (round-robin): throughput, and the cost of an abrupt crash");
        report.AppendLine();
        report.AppendLine("| K | hello, ab -c64, req/s | /slow?ms=20 (I/O wait), ab -c200, req/s | 1e7 loop, ab -c200, req/s | abrupt crashes | failed | failed per crash |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var l in limits)
            report.AppendLine($"| {l.Limit} | {l.HelloRps:N0} | {l.SlowRps:N0} | {l.LoopRps:N0} | {l.Crashes} | {l.Failed} | {(l.Crashes > 0 ? (double)l.Failed / l.Crashes : 0):0.0} |");
        report.AppendLine();
        results["handOffLimit"] = limits;

        return BenchmarkReport.Write(outDir, "availability", report, new Dictionary<string, object?> { ["rounds"] = rounds, ["repetitions"] = repetitions }, results);
    }

    /// <summary>The notes' server, ours: each worker exits at a random moment within <paramref name="crashAfterMaxMs"/> of its start, between requests.</summary>
    internal static ServerKind OursCrashing(int crashAfterMaxMs) =>
        ServerKind.OursWith("ours, exit between requests (as Node's timer)", NotesWork, "--crash-after-max", crashAfterMaxMs.ToString());

    /// <summary>
    /// The same, but each worker dies mid-request (a real crash): what it had read and not answered is lost. Under
    /// the default (adaptive) hand-off limit, or the one named.
    /// </summary>
    internal static ServerKind OursCrashingAbruptly(int crashAfterMaxMs, string? handOffLimit = null) => handOffLimit is null
        ? ServerKind.OursWith("ours, abrupt exit mid-request", NotesWork, "--crash-after-max", crashAfterMaxMs.ToString(), "--crash-abruptly")
        : ServerKind.OursWith($"ours, abrupt exit mid-request, hand-off limit {handOffLimit}", NotesWork,
            "--crash-after-max", crashAfterMaxMs.ToString(), "--crash-abruptly", "--hand-off-limit", handOffLimit);

    /// <summary>Ours answering <c>/slow?ms=20</c> (a handler waiting on I/O) under the hand-off limit named.</summary>
    internal static ServerKind OursWaitingOnIo(string handOffLimit) =>
        ServerKind.OursWith($"ours, hand-off limit {handOffLimit}", 0, "--hand-off-limit", handOffLimit);

    /// <summary>The scenario of <see cref="OursWaitingOnIo"/>: 200 clients, a new connection per request.</summary>
    internal static async Task<Measurement> WaitingOnIoRunAsync(ServerKind kind, TimeSpan duration)
    {
        for (int attempt = 1; ; attempt++)
        {
            await using var server = await RunningServer.StartAsync(kind);
            if (MixedPidLengths(server.StartedPids()) && attempt < 3)
            {
                Console.WriteLine("  (worker PIDs of different lengths: ab would count length mismatches; again)");
                continue;
            }
            return await ExternalTools.AbAsync(new Uri(server.Url, "/slow?ms=20"), 200, duration, newConnection: true);
        }
    }

    /// <summary>The notes' server and restart code under Node, with the notes' "death by random timeout".</summary>
    internal static ServerKind NodeCrashing(int crashAfterMaxMs) =>
        ServerKind.NodeWithRestarts("Node cluster + the notes' restart code", NotesWork) with
        {
            Env = new Dictionary<string, string> { ["CRASH_AFTER_MAX_MS"] = crashAfterMaxMs.ToString() },
        };

    /// <summary>The notes' server, ours, restarted with SIGUSR2.</summary>
    internal static ServerKind OursRestarting => ServerKind.OursWith("ours, SIGUSR2 (rolling restart with drain)", NotesWork);

    /// <summary>The notes' server under the notes' cluster code, restarted with SIGUSR2.</summary>
    internal static ServerKind NodeRestarting => ServerKind.NodeWithRestarts("Node cluster + the notes' SIGUSR2 code", NotesWork);

    /// <summary>
    /// The loads a rolling restart runs under, each <paramref name="duration"/> long: a new connection per request (ab),
    /// and keep-alive (wrk); <c>Tool</c> is what must be installed.
    /// </summary>
    internal static (string Name, string Tool, Func<Uri, Task<Measurement>> Client)[] RestartLoads(TimeSpan duration) =>
    [
        ($"ab -r -c200 -t{duration.TotalSeconds:0} (new connection per request)", "ab",
            url => ExternalTools.AbAsync(url, 200, duration, newConnection: true, continueOnErrors: true)),
        // A 10 s timeout, as ab's is 30 s: with the notes' CPU work, 200 connections on two cores wait about half a
        // second per request, and wrk's default of 2 s would count slow responses during a worker's start as errors.
        ($"wrk -t2 -c200 -d{duration.TotalSeconds:0}s --timeout 10s (keep-alive)", "wrk",
            url => ExternalTools.WrkAsync(url, 200, duration, newConnection: false, timeout: TimeSpan.FromSeconds(10))),
    ];

    public sealed record CrashRun(string Server, long Requests, long Failed, int Crashes, string Detail)
    {
        /// <summary>
        /// Requests ab tried: its "Complete requests" leave out connections it could not open (refused while no worker
        /// listened), which its "Failed requests" count ("Connect: N").
        /// </summary>
        public long Attempts => Requests + (Regex.Match(Detail, @"Connect: (\d+)") is { Success: true } m ? long.Parse(m.Groups[1].Value) : 0);

        public double SuccessPercent => Attempts > 0 ? 100.0 * (Attempts - Failed) / Attempts : 0;
    }

    public sealed record RestartRun(string Mode, string Server, long Requests, long Failed, int Replaced, string Detail, string Note);

    public sealed record LimitRun(string Limit, double HelloRps, double SlowRps, double LoopRps, int Crashes, long Failed);

    /// <summary>The server under <c>ab -r -c200</c> for <paramref name="duration"/> (default 10 s), counting the crashes it printed.</summary>
    internal static async Task<CrashRun> CrashRunAsync(ServerKind kind, TimeSpan? duration = null)
    {
        for (int attempt = 1; ; attempt++)
        {
            await using var server = await RunningServer.StartAsync(kind);
            Measurement m;
            try
            {
                m = await ExternalTools.AbAsync(server.Url, 200, duration ?? TimeSpan.FromSeconds(10), newConnection: true, continueOnErrors: true);
            }
            catch (Workbook.Processes.ExecException e) when (e.Code == 104 && attempt < 3)
            {
                // -r keeps ab going after a failed read, but a reset while it connects still ends it (ECONNRESET, 104).
                Console.WriteLine("  (ab stopped on a connection reset while connecting; again)");
                continue;
            }
            var crashes = server.Count(@"Worker \d+ crashed");
            if (!MixedPidLengths(server.StartedPids()) || attempt == 3) return new CrashRun(kind.Name, m.Requests, m.Failed, crashes, m.Detail);
            Console.WriteLine("  (worker PIDs of different lengths: ab would count length mismatches; again)");
        }
    }

    /// <summary>ab counts a response whose length differs from the first as failed; the body holds the PID.</summary>
    private static bool MixedPidLengths(IEnumerable<int> pids) => pids.Select(p => p.ToString().Length).Distinct().Count() > 1;

    /// <summary>
    /// Two SIGUSR2s to the primary, at 30% and 60% of a load <paramref name="duration"/> long (3 s and 6 s of the
    /// notes' 10 s), and what the client counted.
    /// </summary>
    internal static async Task<RestartRun> SignalledRestartRunAsync(ServerKind kind, string mode, Func<Uri, Task<Measurement>> client, int expectExits,
        TimeSpan duration)
    {
        for (int attempt = 1; ; attempt++)
        {
            await using var server = await RunningServer.StartAsync(kind);
            var load = client(server.Url);
            await Task.Delay(duration * 0.3);
            server.Signal("SIGUSR2");
            await Task.Delay(duration * 0.3);
            server.Signal("SIGUSR2");
            var m = await load;
            await Task.Delay(1000);
            var exits = server.Count(@"Exited process \d+");
            var listening = await AnswersAsync(server.Url);
            var note = (exits == expectExits ? "" : $"{exits} of {expectExits} workers replaced") + (listening ? "" : (exits == expectExits ? "" : "; ") + "port closed afterwards");
            if (!mode.StartsWith("ab") || !MixedPidLengths(server.StartedPids()) || attempt == 3)
            {
                Console.WriteLine($"  rolling: {kind.Name,-44} {mode,-46} {m.Requests,7} requests  {m.Failed,4} failed ({m.Detail})  {note}");
                return new RestartRun(mode, kind.Name, m.Requests, m.Failed, exits, m.Detail, note);
            }
            Console.WriteLine("  (worker PIDs of different lengths: ab would count length mismatches; again)");
        }
    }

    /// <summary>Two <c>pm2 reload</c>s at 30% and 60% of a load <paramref name="duration"/> long, as <see cref="SignalledRestartRunAsync"/>.</summary>
    internal static async Task<RestartRun> Pm2ReloadRunAsync(string pm2Bin, string mode, Func<Uri, Task<Measurement>> client, TimeSpan duration)
    {
        await using var pm2 = await Pm2.StartAsync(pm2Bin, Path.Combine(AppContext.BaseDirectory, "node", "server.js"), 2, NotesWork, RunningServer.FreePort());
        var pids = await pm2.PidsAsync();
        var load = client(pm2.Url);
        await Task.Delay(duration * 0.3);
        await pm2.ReloadAsync();
        var afterFirst = await pm2.PidsAsync();
        await Task.Delay(duration * 0.3);
        await pm2.ReloadAsync();
        var m = await load;
        var afterSecond = await pm2.PidsAsync();
        var replaced = afterFirst.Except(pids).Count() + afterSecond.Except(afterFirst).Count();
        var note = mode.StartsWith("ab") && MixedPidLengths(pids.Concat(afterFirst).Concat(afterSecond)) ? "PIDs of different lengths: ab's length check may count some" : "";
        Console.WriteLine($"  rolling: {"pm2 reload",-44} {mode,-46} {m.Requests,7} requests  {m.Failed,4} failed ({m.Detail})  {note}");
        return new RestartRun(mode, $"PM2 {Pm2.PinnedVersion}, pm2 reload", m.Requests, m.Failed, replaced, m.Detail, note);
    }

    private static async Task<bool> AnswersAsync(Uri url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            await http.GetStringAsync(url);
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task<List<double>> ReplacementTimesAsync(int count)
    {
        await using var primary = await ClusterPrimary.StartAsync(new ClusterSettings
        {
            Exec = ExamplePaths.Dll("Cluster"), Args = ["--work", "0"], Workers = 2, Port = 0, WorkerOutput = TextWriter.Null,
        });
        var times = new List<double>();
        for (int i = 0; i < count; i++)
        {
            await Task.Delay(1500); // past the minimum uptime: a stable worker, restarted at once
            var victim = primary.Workers.Values.First();
            var clock = new Stopwatch();
            var listening = new TaskCompletionSource();
            void OnExit(Worker w, int? code, string? signal) { if (w == victim) clock.Start(); }
            void OnListening(Worker w, int port) => listening.TrySetResult();
            primary.Exit += OnExit;
            primary.Listening += OnListening;
            victim.Process.Kill("SIGKILL");
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
            times.Add(clock.Elapsed.TotalMilliseconds);
            primary.Exit -= OnExit;
            primary.Listening -= OnListening;
        }
        return times;
    }

    private static async Task<LimitRun> LimitRunAsync(string limit)
    {
        var five = TimeSpan.FromSeconds(5);
        double hello, slow, loop;
        // A server for each handler: an adaptive limit learnt on one would carry over for a moment to the next.
        await using (var server = await RunningServer.StartAsync(ServerKind.OursWith($"K={limit}", 0, "--hand-off-limit", limit)))
        {
            await ExternalTools.AbAsync(server.Url, 64, TimeSpan.FromSeconds(2), newConnection: true); // warm-up
            hello = (await ExternalTools.AbAsync(server.Url, 64, five, newConnection: true)).RequestsPerSecond;
        }
        await using (var server = await RunningServer.StartAsync(ServerKind.OursWith($"K={limit}", 0, "--hand-off-limit", limit)))
            slow = (await ExternalTools.AbAsync(new Uri(server.Url, "/slow?ms=20"), 200, five, newConnection: true)).RequestsPerSecond;
        await using (var server = await RunningServer.StartAsync(ServerKind.OursWith($"K={limit}", NotesWork, "--hand-off-limit", limit)))
            loop = (await ExternalTools.AbAsync(server.Url, 200, five, newConnection: true)).RequestsPerSecond;
        var crash = await CrashRunAsync(ServerKind.OursWith($"K={limit}, abrupt crashes", NotesWork, "--hand-off-limit", limit, "--crash-after-max", "5000", "--crash-abruptly"));
        Console.WriteLine($"  hand-off limit {limit,4}: hello {hello,7:N0}  slow {slow,6:N0}  loop {loop,5:N0} req/s;  {crash.Crashes} abrupt crashes, {crash.Failed} failed");
        return new LimitRun(limit, hello, slow, loop, crash.Crashes, crash.Failed);
    }
}
