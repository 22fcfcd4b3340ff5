using System.Diagnostics;
using System.Text;
using Workbook.Cluster;
using Workbook.Notebooks;
using Workbook.Processes;
using static Workbook.Benchmarks.ClusterBenchmark;

namespace Workbook.Benchmarks;

/// <summary>
/// The performance report: what the cluster, availability and load-runner benchmarks measured, side by side in one
/// run on this machine, with the measurements of those benchmarks (nothing re-implemented here). One CSV per topic —
/// cluster-policies, node-vs-ours, availability, rolling-restart, cluster-tool, worker-start, load-runner — each written as soon as
/// it is measured, and report.md. Every load run lasts <c>seconds</c> (the rolling restarts come at 30% and 60% of
/// it; the crash timer is the notes' 10 s whatever its length); every comparison runs <c>rounds</c> times,
/// interleaved. Rows that need a missing tool (node, ab, wrk, pm2) are skipped, and so is a topic that fails; the
/// report says so.
/// </summary>
public sealed class ReportBenchmark
{
    private readonly int _seconds, _rounds;
    private readonly bool _quick, _node;
    private readonly string? _pm2;
    private readonly List<string> _skipped = [];

    private ReportBenchmark(int seconds, int rounds, bool quick, bool node, string? pm2)
    {
        (_seconds, _rounds, _quick, _node, _pm2) = (seconds, rounds, quick, node, pm2);
    }

    private TimeSpan Duration => TimeSpan.FromSeconds(_seconds);

    /// <summary>The topics, in the order they run; each is one CSV.</summary>
    public static readonly string[] Topics = ["cluster-policies", "node-vs-ours", "availability", "rolling-restart", "cluster-tool", "worker-start", "load-runner"];

    /// <summary>The names in a comma-separated <c>--only</c> list that are not topics.</summary>
    public static List<string> UnknownTopics(string? only) => Selected(only).Except(Topics).ToList();

    public static List<string> Selected(string? only) => only is null ? [.. Topics]
        : [.. only.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct()];

    public static async Task<int> RunAsync(int seconds, int rounds, bool quick, string? note, string outDir, IReadOnlyCollection<string> only)
    {
        var clock = Stopwatch.StartNew();
        var loadBefore = Machine.LoadAverage();
        var nodeVersion = await NodeVersionAsync();
        var machine = Machine.Current(nodeVersion);
        var pm2 = nodeVersion is not null ? await Pm2.InstallAsync() : null;
        var run = new ReportBenchmark(seconds, rounds, quick, nodeVersion is not null, pm2);
        Console.WriteLine($"report: {machine}; {seconds} s per load run, {rounds} rounds{(quick ? ", quick" : "")}; load average {loadBefore}");
        if (nodeVersion is null) run.Skip("every Node and PM2 row", "node is not on PATH");
        else if (pm2 is null) run.Skip("the pm2 reload rows", "pm2 could not be installed with npm");

        var topics = new (string Topic, string Title, Func<Task<CsvTable>> Measure)[]
        {
            ("cluster-policies", "Plain Kestrel vs our cluster of 2 under each policy (hello-world)", run.ClusterPoliciesAsync),
            ("node-vs-ours", "Ours vs Node's cluster (2 workers each; one process each for the notes' loop)", run.NodeVsOursAsync),
            ("availability", "Availability under random crashes (the notes' server and timer)", run.AvailabilityAsync),
            ("rolling-restart", "Two rolling restarts (at 30% and 60% of the run)", run.RollingRestartAsync),
            ("cluster-tool", "dotnet cluster vs PM2 (2 instances each): two reloads under load, and start to ready",
                () => ClusterToolBenchmark.MeasureAsync(run.Duration, rounds, quick ? 2 : 5, pm2, run.Have)),
            ("worker-start", "Starting a worker, and memory", run.WorkerStartAsync),
            ("load-runner", "Our load runner vs wrk (examples/ComputeServer)", run.LoadRunnerAsync),
        };
        topics = [.. topics.Where(t => only.Contains(t.Topic))];
        var tables = new List<(string Title, CsvTable Table)>();
        try
        {
            foreach (var ((topic, title, measure), i) in topics.Select((t, i) => (t, i)))
            {
                // The remaining time assumes the topics left take as long as the ones done did, on average.
                var remaining = i == 0 ? "" : $", about {clock.Elapsed.TotalMinutes / i * (topics.Length - i):0} min left";
                Console.WriteLine($"topic {i + 1}/{topics.Length}: {topic} ({clock.Elapsed.TotalMinutes:0.0} min elapsed{remaining})");
                // The old file stays (notebook 09 reads all six), so the report must say it is not this run's.
                var stale = $"{topic}.csv was not rewritten: the file there, if any, is from an earlier run";
                // One topic failing, whatever the reason, leaves the others' results: each CSV is written as soon as it is measured.
                try
                {
                    var table = await measure();
                    if (table.Count == 0)
                    {
                        run.Skip(title, $"nothing measured; {stale}");
                        continue;
                    }
                    Console.WriteLine($"wrote {table.Write(outDir, machine, rounds, seconds)} ({table.Count} rows)");
                    tables.Add((title, table));
                }
                catch (Exception e)
                {
                    run.Skip(title, $"failed: {e.Message.Split('\n')[0]}; {stale}");
                }
            }
        }
        finally
        {
            // Also when something outside a topic throws: report.md then shows what was measured until then.
            WriteReport();
        }
        return 0;

        void WriteReport()
        {
            var report = new StringBuilder();
            report.AppendLine($"Performance report — {machine}");
            report.AppendLine($"`report --seconds {seconds} --rounds {rounds}{(quick ? " --quick" : "")}{(only.Count < Topics.Length ? $" --only {string.Join(',', only)}" : "")}`: took {clock.Elapsed.TotalMinutes:0.0} min; " +
                              $"load average before {loadBefore}, after {Machine.LoadAverage()}. Client and servers share this machine's cores.");
            if (!string.IsNullOrWhiteSpace(note)) report.AppendLine().AppendLine($"Note: {note}");
            report.AppendLine();
            foreach (var (title, table) in tables)
                report.AppendLine($"### {title} (`{table.Topic}.csv`)").AppendLine().Append(table.Markdown()).AppendLine();
            if (run._skipped.Count > 0)
                report.AppendLine("### Skipped").AppendLine().AppendLine(string.Concat(run._skipped.Select(s => $"- {s}\n")));
            Directory.CreateDirectory(outDir);
            File.WriteAllText(Path.Combine(outDir, "report.md"), report.ToString());
            Console.WriteLine();
            Console.WriteLine(report);
            Console.WriteLine($"written to {Path.GetFullPath(outDir)} in {clock.Elapsed.TotalMinutes:0.0} min");
        }
    }

    private void Skip(string what, string why)
    {
        _skipped.Add($"{what}: {why}");
        Console.WriteLine($"  skipped {what}: {why}");
    }

    /// <summary>Whether <paramref name="tool"/> is installed; if not, says that <paramref name="what"/> is skipped.</summary>
    private bool Have(string tool, string what)
    {
        if (ExternalTools.IsInstalled(tool)) return true;
        Skip(what, $"{tool} is not installed (sudo apt-get install {(tool == "ab" ? "apache2-utils" : tool)})");
        return false;
    }

    private async Task<CsvTable> ClusterPoliciesAsync()
    {
        var table = new CsvTable("cluster-policies", "requests_per_second", "vs_plain_kestrel", "p50_ms", "p99_ms", "failed", "runs");
        List<ServerKind> servers = [ServerKind.Single(0), ServerKind.Ours(SchedulingPolicy.RoundRobin, 0), ServerKind.Ours(SchedulingPolicy.ReusePort, 0),
            ServerKind.Ours(SchedulingPolicy.Shared, 0)];
        if (Have("wrk", "cluster policies, keep-alive"))
            AddRuns(table, "hello-world, keep-alive (wrk -t2 -c50)", "one Kestrel process",
                await MeasureAsync(servers, _rounds, Duration, (url, t) => ExternalTools.WrkAsync(url, 50, t, newConnection: false)));
        if (Have("ab", "cluster policies, new connection per request"))
            AddRuns(table, "hello-world, new connection per request (ab -c64)", "one Kestrel process",
                await MeasureAsync(servers, _rounds, Duration, (url, t) => ExternalTools.AbAsync(url, 64, t, newConnection: true)));
        return table;
    }

    private async Task<CsvTable> NodeVsOursAsync()
    {
        var table = new CsvTable("node-vs-ours", "requests_per_second", "vs_node_cluster", "p50_ms", "p99_ms", "failed", "runs", "server_cpu_us_per_request");
        var loads = new (string Name, string Tool, Func<Uri, TimeSpan, Task<Measurement>> Client)[]
        {
            ($"ab -c200 -t{_seconds} (new connection per request)", "ab", (url, t) => ExternalTools.AbAsync(url, 200, t, newConnection: true)),
            // wrk, not ab -k: single-threaded ab would be the bottleneck against hello-world. A 10 s timeout, as in the availability benchmark.
            ($"wrk -t2 -c200 -d{_seconds}s (keep-alive)", "wrk", (url, t) => ExternalTools.WrkAsync(url, 200, t, newConnection: false, TimeSpan.FromSeconds(10))),
        };
        foreach (var (work, workName) in new[] { (0L, "hello-world"), (AvailabilityBenchmark.NotesWork, "the notes' 1e7 loop") })
        {
            foreach (var (load, tool, client) in loads)
            {
                var scenario = $"{workName}, {load}";
                if (!Have(tool, scenario)) continue;
                List<ServerKind> servers = [ServerKind.Ours(SchedulingPolicy.RoundRobin, work)];
                if (_node) servers.Add(ServerKind.NodeCluster(work));
                // The notes' own measurement also shows what a cluster buys over one process.
                if (work > 0 && tool == "ab") servers.AddRange(_node ? [ServerKind.Single(work), ServerKind.NodeSingle(work)] : [ServerKind.Single(work)]);
                AddRuns(table, scenario, "Node cluster of 2", await MeasureAsync(servers, _rounds, Duration, client), cpu: true);
            }
        }
        // The floor under hello-world keep-alive: what loopback TCP and system calls cost with no HTTP framework at all.
        if (Have("wrk", "the keep-alive floor"))
        {
            List<ServerKind> floor = [ServerKind.Ours(SchedulingPolicy.RoundRobin, 0), ServerKind.RawDotnet];
            if (_node) floor.AddRange([ServerKind.NodeCluster(0), ServerKind.RawNode]);
            AddRuns(table, $"hello-world, wrk -t1 -c64 -d{_seconds}s (keep-alive), against raw-socket responders", "Node cluster of 2",
                await MeasureAsync(floor, _rounds, Duration, (url, t) => ExternalTools.WrkAsync(url, 64, t, newConnection: false, threads: 1)), cpu: true);
        }
        return table;
    }

    /// <summary>
    /// The medians of <paramref name="runs"/>, one row per server, with its ratio to <paramref name="baseline"/> (blank when
    /// not measured), and with <paramref name="cpu"/> the server's CPU time (user + system, whole process tree) per request.
    /// </summary>
    private static void AddRuns(CsvTable table, string scenario, string baseline, List<Run> runs, bool cpu = false)
    {
        var medians = Medians(runs);
        var basis = medians.FirstOrDefault(m => m.Server == baseline);
        foreach (var m in medians)
            table.Add(scenario, m.Server, [m.RequestsPerSecond, basis is null ? null : m.RequestsPerSecond / basis.RequestsPerSecond, m.P50Ms, m.P99Ms, m.Failed,
                runs.Count(r => r.Server == m.Server), .. cpu ? [m.CpuMsPerRequest * 1000] : Array.Empty<object?>()]);
    }

    private async Task<CsvTable> AvailabilityAsync()
    {
        var table = new CsvTable("availability", "runs", "requests", "failed", "crashes", "failed_per_crash", "success_percent", "requests_per_second");
        // requests: what ab tried, refused connections included (see CrashRun.Attempts).
        if (!Have("ab", "availability")) return table;
        // The notes' timer (a random moment within 10 s of a worker's start) whatever the run's length: a shorter one
        // would be a harsher experiment, not a shorter one, since a .NET worker takes longer to start than Node's.
        // Also ours crashing mid-request: what an abrupt crash costs, per crash, beside Node's.
        // And the same under the fixed limit of 32 (the default before the adaptive one), for what the adaptive one saves.
        List<ServerKind> servers = [AvailabilityBenchmark.OursCrashing(10_000), AvailabilityBenchmark.OursCrashingAbruptly(10_000),
            AvailabilityBenchmark.OursCrashingAbruptly(10_000, "32")];
        if (_node) servers.Add(AvailabilityBenchmark.NodeCrashing(10_000));
        var runs = new List<AvailabilityBenchmark.CrashRun>();
        for (int round = 0; round < _rounds; round++)
        {
            for (int k = 0; k < servers.Count; k++)
            {
                var run = await AvailabilityBenchmark.CrashRunAsync(servers[(k + round) % servers.Count], Duration);
                runs.Add(run);
                Console.WriteLine($"  availability {round + 1}: {run.Server,-48} {run.Requests,6} requests  {run.Failed,4} failed  {run.Crashes} crashes");
            }
        }
        foreach (var g in runs.GroupBy(r => r.Server))
        {
            long requests = g.Sum(r => r.Attempts), failed = g.Sum(r => r.Failed), crashes = g.Sum(r => r.Crashes);
            table.Add($"random crashes within 10 s of each start, ab -r -c200 -t{_seconds}", g.Key, g.Count(), requests, failed, crashes,
                crashes > 0 ? (double)failed / crashes : null, requests > 0 ? 100.0 * (requests - failed) / requests : null, null);
        }

        // What the hand-off limit costs a handler that waits on I/O: the adaptive one should keep within 5 % of none.
        List<ServerKind> limits = [.. new[] { "adaptive", "32", "none" }.Select(AvailabilityBenchmark.OursWaitingOnIo)];
        var waiting = new List<(string Server, Measurement M)>();
        for (int round = 0; round < _rounds; round++)
            for (int k = 0; k < limits.Count; k++)
            {
                var kind = limits[(k + round) % limits.Count];
                var m = await AvailabilityBenchmark.WaitingOnIoRunAsync(kind, Duration);
                waiting.Add((kind.Name, m));
                Console.WriteLine($"  waiting on I/O {round + 1}: {kind.Name,-48} {m.RequestsPerSecond,8:N0} req/s  {m.Failed} failed");
            }
        foreach (var g in waiting.GroupBy(w => w.Server))
        {
            long requests = g.Sum(w => w.M.Requests), failed = g.Sum(w => w.M.Failed);
            table.Add($"/slow?ms=20 (waits on I/O), no crashes, ab -c200 -t{_seconds}", g.Key, g.Count(), requests, failed, 0, null,
                requests > 0 ? 100.0 * (requests - failed) / requests : null, Stats.Median(g.Select(w => w.M.RequestsPerSecond).ToList()));
        }
        return table;
    }

    private async Task<CsvTable> RollingRestartAsync()
    {
        var table = new CsvTable("rolling-restart", "runs", "requests", "failed", "runs_with_failures", "workers_replaced", "note");
        var runs = new List<AvailabilityBenchmark.RestartRun>();
        foreach (var (mode, tool, client) in AvailabilityBenchmark.RestartLoads(Duration))
        {
            if (!Have(tool, $"rolling restarts under {mode}")) continue;
            var methods = new List<Func<Task<AvailabilityBenchmark.RestartRun>>>
            {
                () => AvailabilityBenchmark.SignalledRestartRunAsync(AvailabilityBenchmark.OursRestarting, mode, client, expectExits: 4, Duration),
            };
            if (_node) methods.Add(() => AvailabilityBenchmark.SignalledRestartRunAsync(AvailabilityBenchmark.NodeRestarting, mode, client, expectExits: 4, Duration));
            if (_pm2 is not null) methods.Add(() => AvailabilityBenchmark.Pm2ReloadRunAsync(_pm2, mode, client, Duration));
            for (int round = 0; round < _rounds; round++)
                for (int k = 0; k < methods.Count; k++)
                    runs.Add(await methods[(k + round) % methods.Count]());
        }
        foreach (var g in runs.GroupBy(r => (r.Mode, r.Server)))
            table.Add(g.Key.Mode, g.Key.Server, g.Count(), g.Sum(r => r.Requests), g.Sum(r => r.Failed), g.Count(r => r.Failed > 0), g.Sum(r => r.Replaced),
                string.Join("; ", g.Select(r => r.Note).Where(n => n.Length > 0).Distinct()));
        return table;
    }

    private async Task<CsvTable> WorkerStartAsync()
    {
        var table = new CsvTable("worker-start", "median", "min", "max", "samples", "unit", "vs_node");
        var samples = _quick ? 3 : 10;
        // The same program as Native AOT, beside the JIT one: what a native worker changes.
        var (aot, whyNot) = await AotWorker.PublishAsync();
        if (aot is null) Skip("the Native AOT rows", whyNot);
        var ours = await ClusterBenchmark.WorkerStartAsync(samples);
        var oursAot = aot is null ? null : await ClusterBenchmark.WorkerStartAsync(samples, aot);
        var node = _node ? await NodeWorkerStartAsync(samples) : null;
        const string starting = "fork → listening, one worker at a time";
        table.Add(starting, "ours (ClusterPrimary.Fork, examples/Cluster)", Stats.Median(ours), ours.Min(), ours.Max(), ours.Count, "ms",
            node is null ? null : Stats.Median(ours) / Stats.Median(node));
        if (oursAot is not null)
            table.Add(starting, "ours, Native AOT (the same, published with PublishAot)", Stats.Median(oursAot), oursAot.Min(), oursAot.Max(), oursAot.Count, "ms",
                node is null ? null : Stats.Median(oursAot) / Stats.Median(node));
        if (node is not null) table.Add(starting, "Node (cluster.fork, server.js)", Stats.Median(node), node.Min(), node.Max(), node.Count, "ms", 1.0);
        await ColdStartAndWarmUpAsync(table, samples, aot);

        // Resident memory after 2 s of serving: the primary, and each worker.
        var memory = await MemoryAsync(_node, aot);
        foreach (var (measure, kb) in new (string, Func<ClusterBenchmark.ProcessMemory, long>)[] { ("resident memory", m => m.Kb), ("proportional memory (PSS)", m => m.PssKb) })
            foreach (var role in new[] { "primary", "worker" })
            {
                var byServer = memory.GroupBy(m => m.Server)
                    .Select(g => (Server: g.Key, MiB: g.Where(m => m.Process.Contains(role)).Select(m => kb(m) / 1024.0).ToList())).ToList();
                var nodeMedian = byServer.Where(s => s.Server == ServerKind.NodeCluster(0).Name).Select(s => Stats.Median(s.MiB)).FirstOrDefault(double.NaN);
                foreach (var (server, mib) in byServer)
                    table.Add($"{measure} per {role}, cluster of 2, after 2 s of load", server, Stats.Median(mib), mib.Min(), mib.Max(), mib.Count, "MiB",
                        double.IsNaN(nodeMedian) ? null : Stats.Median(mib) / nodeMedian);
            }
        return table;
    }

    /// <summary>Launch → both workers listening; then the rate second by second from the first answer. Ours and Node's, interleaved.</summary>
    private async Task ColdStartAndWarmUpAsync(CsvTable table, int samples, string? aot)
    {
        List<ServerKind> kinds = [ServerKind.Ours(SchedulingPolicy.RoundRobin, 0)];
        if (aot is not null) kinds.Add(ServerKind.OursAot(aot, 0));
        if (_node) kinds.Add(ServerKind.NodeCluster(0));
        var cold = kinds.ToDictionary(k => k.Name, _ => new List<double>());
        for (int i = 0; i < samples; i++)
            foreach (var kind in i % 2 == 0 ? kinds : Enumerable.Reverse(kinds))
                cold[kind.Name].Add(await WarmUpBenchmark.ColdStartAsync(kind));
        AddVsNode(table, "launch → both workers listening (cold start of a cluster of 2)", cold, "ms");

        if (!Have("wrk", "warm-up after start")) return;
        List<ServerKind> working = [ServerKind.Ours(SchedulingPolicy.RoundRobin, WarmUpBenchmark.Work)];
        if (aot is not null) working.Add(ServerKind.OursAot(aot, WarmUpBenchmark.Work));
        if (_node) working.Add(ServerKind.NodeCluster(WarmUpBenchmark.Work));
        var seconds = _quick ? 5 : 8;
        var toFull = working.ToDictionary(k => k.Name, _ => new List<double>());
        var first = working.ToDictionary(k => k.Name, _ => new List<double>());
        for (int round = 0; round < _rounds; round++)
            foreach (var kind in round % 2 == 0 ? working : Enumerable.Reverse(working))
            {
                var rates = await WarmUpBenchmark.WarmUpAsync(kind, seconds);
                Console.WriteLine($"  warm-up, {kind.Name}: {string.Join(" ", rates.Select(r => $"{r / 1000:0.0}k"))} req/s");
                toFull[kind.Name].Add(WarmUpBenchmark.SecondsToFullSpeed(rates));
                first[kind.Name].Add(rates[0] / WarmUpBenchmark.FullSpeed(rates));
            }
        var scenario = $"warm-up, 1e5 loop per request, wrk -c{WarmUpBenchmark.Clients} in 1 s windows from the first answer";
        AddVsNode(table, $"{scenario}: windows until 90 % of full speed", toFull, "s");
        AddVsNode(table, $"{scenario}: first window ÷ full speed", first, "ratio");
    }

    private static void AddVsNode(CsvTable table, string scenario, Dictionary<string, List<double>> byServer, string unit)
    {
        var node = byServer.TryGetValue(ServerKind.NodeCluster(0).Name, out var n) ? Stats.Median(n) : (double?)null;
        foreach (var (server, values) in byServer)
            table.Add(scenario, server, Stats.Median(values), values.Min(), values.Max(), values.Count, unit, node is double v ? Stats.Median(values) / v : null);
    }

    private async Task<CsvTable> LoadRunnerAsync()
    {
        var table = new CsvTable("load-runner", "requests_per_second", "vs_wrk", "p50_ms", "p99_ms", "p50_vs_wrk", "p99_vs_wrk", "failed", "runs");
        if (!Have("wrk", "load runner vs wrk")) return table;
        const int connections = 50;
        var (server, url) = await LoadRunnerBenchmark.StartServerAsync(connections);
        await using var _ = server;
        string[] tools = ["wrk", "ours"];
        foreach (var (name, path, newConnection) in LoadRunnerBenchmark.Scenarios)
        {
            var scenario = $"{name}, {connections} connections";
            var runs = await LoadRunnerBenchmark.MeasureAsync(tools, new Uri(url, path), connections, Duration, newConnection, _rounds, scenario);
            var medians = LoadRunnerBenchmark.Medians(runs);
            var wrk = medians["wrk"];
            foreach (var tool in tools)
            {
                var m = medians[tool];
                table.Add(scenario, tool == "ours" ? "ours (tools/Workbook.Load)" : tool, m.RequestsPerSecond, m.RequestsPerSecond / wrk.RequestsPerSecond,
                    m.P50Ms, m.P99Ms, m.P50Ms / wrk.P50Ms, m.P99Ms / wrk.P99Ms, m.Failed, runs.Count(r => r.Tool == tool));
            }
        }
        return table;
    }
}
