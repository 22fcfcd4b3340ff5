using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Workbook.Cluster;
using Workbook.Processes;

namespace Workbook.Benchmarks;

/// <summary>
/// The cluster against one plain Kestrel process and against Node's own cluster, same machine, same client, same
/// connection counts, interleaved. Targets: hello-world keep-alive, each policy ÷ one process ≥ 0.95; new connection
/// per request, round-robin ÷ reuse-port ≥ 0.9 and round-robin ÷ one process ≥ 0.9; the notes' 1e7 loop, ours ÷
/// Node's ≥ 1.0; server CPU time per request, ours ÷ Node's ≤ 0.5. Also: worker start time and memory.
/// </summary>
public static class ClusterBenchmark
{
    private static readonly string NodeDir = Path.Combine(AppContext.BaseDirectory, "node");

    public static async Task<int> RunAsync(int seconds, int rounds, string outDir)
    {
        ExternalTools.RequireInstalled();
        var node = await NodeVersionAsync();
        var duration = TimeSpan.FromSeconds(seconds);
        var results = new Dictionary<string, object>();
        var report = new StringBuilder();
        report.AppendLine($"Cluster benchmark — {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}, " +
                          $"{RuntimeInformation.OSDescription}, Node {node ?? "not installed"}");
        report.AppendLine($"Median of {rounds} interleaved rounds; every server on 127.0.0.1 of this machine, sharing its cores with the client.");
        report.AppendLine();

        // 1. Hello-world, keep-alive (wrk -c50): how much the cluster's plumbing costs, and CPU per request.
        var helloServers = new List<ServerKind>
        {
            ServerKind.Single(0), ServerKind.Ours(SchedulingPolicy.RoundRobin, 0), ServerKind.Ours(SchedulingPolicy.ReusePort, 0), ServerKind.Ours(SchedulingPolicy.Shared, 0),
        };
        if (node is not null) helloServers.AddRange([ServerKind.NodeSingle(0), ServerKind.NodeCluster(0)]);
        var hello = await MeasureAsync(helloServers, rounds, duration, (url, t) => ExternalTools.WrkAsync(url, 50, t, newConnection: false));
        Table(report, "Hello-world, keep-alive (wrk -t2 -c50)", hello, baseline: "one Kestrel process", cpu: false);
        results["helloKeepAlive"] = hello;

        // 1b. Server CPU per request at a rate every server carries (10,000 req/s, keep-alive): at saturation the
        // server simply takes whatever CPU the client leaves it, which says little about its own cost.
        var cpuServers = new List<ServerKind> { ServerKind.Single(0), ServerKind.Ours(SchedulingPolicy.RoundRobin, 0) };
        if (node is not null) cpuServers.AddRange([ServerKind.NodeSingle(0), ServerKind.NodeCluster(0)]);
        var cpu = await MeasureAsync(cpuServers, rounds, duration, (url, t) => ExternalTools.OursAtRateAsync(url, 10_000, t));
        Table(report, "Hello-world at a fixed 10,000 req/s, keep-alive (our runner, open model): server CPU per request", cpu,
            baseline: node is null ? "one Kestrel process" : "Node, one process", cpu: true);
        results["cpuAtFixedRate"] = cpu;

        // 2. Hello-world, a new connection per request (ab -c64): the round-robin primary accepts every connection.
        var newConnServers = new List<ServerKind> { ServerKind.Single(0), ServerKind.Ours(SchedulingPolicy.RoundRobin, 0), ServerKind.Ours(SchedulingPolicy.ReusePort, 0) };
        if (node is not null) newConnServers.AddRange([ServerKind.NodeSingle(0), ServerKind.NodeCluster(0)]);
        var newConn = await MeasureAsync(newConnServers, rounds, duration, (url, t) => ExternalTools.AbAsync(url, 64, t, newConnection: true));
        Table(report, "Hello-world, new connection per request (ab -c64)", newConn, baseline: "one Kestrel process", cpu: false);
        results["helloNewConnection"] = newConn;

        // 3. The notes' server: a 1e7 loop per request, ab -c200 without keep-alive, 10 s.
        var notesServers = new List<ServerKind> { ServerKind.Single(10_000_000), ServerKind.Ours(SchedulingPolicy.RoundRobin, 10_000_000) };
        if (node is not null) notesServers.AddRange([ServerKind.NodeSingle(10_000_000), ServerKind.NodeCluster(10_000_000)]);
        var notes = await MeasureAsync(notesServers, rounds, TimeSpan.FromSeconds(10), (url, t) => ExternalTools.AbAsync(url, 200, t, newConnection: true));
        Table(report, "The notes' server: 1e7 loop per request (ab -c200 -t10)", notes, baseline: node is null ? "one Kestrel process" : "Node, one process", cpu: false);
        results["notesLoop"] = notes;

        // 4. Starting a worker, and memory.
        var start = await WorkerStartAsync(10);
        var nodeStart = node is null ? null : await NodeWorkerStartAsync(10);
        var memory = await MemoryAsync(node is not null);
        report.AppendLine("### Starting workers, and memory");
        report.AppendLine();
        report.AppendLine($"- fork → listening, one worker at a time, median of {start.Count}: {Stats.Median(start):0} ms (min {start.Min():0}, max {start.Max():0})");
        if (nodeStart is not null)
            report.AppendLine($"- Node's cluster.fork() → 'listening', median of {nodeStart.Count}: {Stats.Median(nodeStart):0} ms (min {nodeStart.Min():0}, max {nodeStart.Max():0})");
        foreach (var m in memory) report.AppendLine($"- {m.Server}: {m.Process}: {m.Kb / 1024.0:0.0} MiB resident, {m.PssKb / 1024.0:0.0} MiB proportional");
        report.AppendLine();
        results["workerStartMs"] = start;
        if (nodeStart is not null) results["nodeWorkerStartMs"] = nodeStart;
        results["memoryKb"] = memory;

        return BenchmarkReport.Write(outDir, "cluster", report, new Dictionary<string, object?> { ["node"] = node, ["rounds"] = rounds }, results);
    }

    /// <summary>One server setup under test.</summary>
    public sealed record ServerKind(string Name, string File, Func<int, string[]> Args, int Processes)
    {
        /// <summary>Variables added to the server's environment.</summary>
        public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

        public static ServerKind Single(long work) => new("one Kestrel process", "dotnet",
            port => [ExamplePaths.Dll("Cluster"), "--no-cluster", "--port", port.ToString(), "--work", work.ToString()], 1);

        public static ServerKind Ours(SchedulingPolicy policy, long work) => new($"cluster of 2, {Flag(policy)}", "dotnet",
            port => [ExamplePaths.Dll("Cluster"), "--workers", "2", "--policy", Flag(policy), "--port", port.ToString(), "--work", work.ToString()], 2);

        /// <summary>examples/Cluster published as Native AOT (<see cref="AotWorker"/>), round-robin, two workers.</summary>
        public static ServerKind OursAot(string executable, long work) => new("cluster of 2, round-robin, Native AOT", executable,
            port => ["--workers", "2", "--policy", "round-robin", "--port", port.ToString(), "--work", work.ToString()], 2);

        /// <summary>examples/Cluster (round-robin, two workers) with more arguments.</summary>
        public static ServerKind OursWith(string name, long work, params string[] extra) => new(name, "dotnet",
            port => [ExamplePaths.Dll("Cluster"), "--workers", "2", "--port", port.ToString(), "--work", work.ToString(), .. extra], 2);

        /// <summary>Node's cluster with the notes' restart-on-crash and SIGUSR2 code.</summary>
        public static ServerKind NodeWithRestarts(string name, long work) => new(name, "node",
            port => [Path.Combine(NodeDir, "cluster-restarts.js"), port.ToString(), work.ToString(), "2"], 2);

        private static string Flag(SchedulingPolicy policy) => policy switch
        {
            SchedulingPolicy.RoundRobin => "round-robin",
            SchedulingPolicy.ReusePort => "reuse-port",
            _ => "shared",
        };

        public static ServerKind NodeSingle(long work) => new("Node, one process", "node",
            port => [Path.Combine(NodeDir, "server.js"), port.ToString(), work.ToString()], 1);

        public static ServerKind NodeCluster(long work) => new("Node cluster of 2", "node",
            port => [Path.Combine(NodeDir, "cluster.js"), port.ToString(), work.ToString(), "2"], 2);

        /// <summary>The floor: a raw-socket HTTP/1.1 responder, no framework (examples/RawHttp), one process; keep-alive clients only.</summary>
        public static ServerKind RawDotnet { get; } = new(".NET raw socket responder, one process", "dotnet", port => [ExamplePaths.Dll("RawHttp"), port.ToString()], 1);

        /// <summary>The same on Node's net module (examples/node/raw-http.js), one process.</summary>
        public static ServerKind RawNode { get; } = new("Node raw socket responder, one process", "node", port => [Path.Combine(NodeDir, "raw-http.js"), port.ToString()], 1);
    }

    public sealed record Run(string Server, double RequestsPerSecond, double P50Ms, double P99Ms, long Failed, double CpuMsPerRequest);

    /// <summary>Each server, started afresh, warmed up for 2 s and measured once per round, in a rotating order.</summary>
    internal static async Task<List<Run>> MeasureAsync(List<ServerKind> servers, int rounds, TimeSpan runFor, Func<Uri, TimeSpan, Task<Measurement>> client)
    {
        var runs = new List<Run>();
        for (int round = 0; round < rounds; round++)
        {
            for (int k = 0; k < servers.Count; k++)
            {
                var kind = servers[(k + round) % servers.Count]; // rotate the order every round
                await using var server = await RunningServer.StartAsync(kind);
                await client(server.Url, TimeSpan.FromSeconds(2)); // warm-up: JIT and connection pools, not measured
                var before = server.CpuTicks();
                var m = await client(server.Url, runFor);
                var ticks = server.CpuTicks() - before; // 1 tick = 10 ms
                var requests = m.RequestsPerSecond * runFor.TotalSeconds;
                var run = new Run(kind.Name, m.RequestsPerSecond, m.P50Ms, m.P99Ms, m.Failed, requests > 0 ? ticks * 10.0 / requests : 0);
                runs.Add(run);
                Console.WriteLine($"  round {round + 1}: {run.Server,-32} {run.RequestsPerSecond,9:N0} req/s  p50 {run.P50Ms,7:0.00} ms  p99 {run.P99Ms,8:0.00} ms  " +
                                  $"failed {run.Failed}  CPU {run.CpuMsPerRequest * 1000:0.0} µs/request");
            }
        }
        return runs;
    }

    /// <summary>One row per server: the medians of its runs (failed: the sum).</summary>
    internal static List<Run> Medians(IEnumerable<Run> runs) =>
        runs.GroupBy(r => r.Server).Select(g => new Run(g.Key, Stats.Median(g.Select(r => r.RequestsPerSecond)),
            Stats.Median(g.Select(r => r.P50Ms)), Stats.Median(g.Select(r => r.P99Ms)), g.Sum(r => r.Failed), Stats.Median(g.Select(r => r.CpuMsPerRequest)))).ToList();

    internal static void Table(StringBuilder report, string title, List<Run> runs, string baseline, bool cpu)
    {
        var medians = Medians(runs);
        var basis = medians.First(m => m.Server == baseline);
        report.AppendLine($"### {title}");
        report.AppendLine();
        report.AppendLine($"| server | req/s | vs {baseline} | p50 ms | p99 ms | failed |" + (cpu ? " server CPU µs/request |" : ""));
        report.AppendLine("|---|---:|---:|---:|---:|---:|" + (cpu ? "---:|" : ""));
        foreach (var m in medians)
            report.AppendLine($"| {m.Server} | {m.RequestsPerSecond:N0} | {m.RequestsPerSecond / basis.RequestsPerSecond:0.00}× | {m.P50Ms:0.00} | {m.P99Ms:0.00} | {m.Failed} |" +
                              (cpu ? $" {m.CpuMsPerRequest * 1000:0.0} |" : ""));
        report.AppendLine();
    }

    /// <summary>
    /// Ours: <c>ClusterPrimary.Fork()</c> → the worker's <c>Listening</c>, one worker at a time, in milliseconds;
    /// examples/Cluster, or the program given (its Native AOT executable).
    /// </summary>
    internal static async Task<List<double>> WorkerStartAsync(int count, string? exec = null)
    {
        await using var primary = new ClusterPrimary(new ClusterSettings
        {
            Exec = exec ?? ExamplePaths.Dll("Cluster"), Args = ["--work", "0"], Workers = 0, Port = 0, WorkerOutput = TextWriter.Null,
        });
        var times = new List<double>();
        for (int i = 0; i < count; i++)
        {
            var clock = Stopwatch.StartNew();
            var listening = new TaskCompletionSource();
            void OnListening(Worker w, int _) => listening.TrySetResult();
            primary.Listening += OnListening;
            var worker = primary.Fork();
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
            times.Add(clock.Elapsed.TotalMilliseconds);
            primary.Listening -= OnListening;
            worker.Disconnect();
            await worker.Exited;
        }
        return times;
    }

    /// <summary>Node's: <c>cluster.fork()</c> → the worker's <c>'listening'</c>, one worker at a time (node/worker-start.js), in milliseconds.</summary>
    internal static async Task<List<double>> NodeWorkerStartAsync(int count)
    {
        var output = await ChildProcess.ExecFileAsync("node", [Path.Combine(NodeDir, "worker-start.js"), count.ToString()],
            new ExecOptions { Timeout = TimeSpan.FromSeconds(10 + 5 * count) });
        return JsonSerializer.Deserialize<List<double>>(output.Stdout)!;
    }

    /// <summary>
    /// Memory of one process of a running server: resident (RSS, which counts in full every page it shares with the
    /// other workers, such as the runtime's files) and proportional (PSS: shared pages divided among their sharers).
    /// </summary>
    public sealed record ProcessMemory(string Server, string Process, long Kb, long PssKb);

    /// <summary>
    /// Resident memory of each process of a cluster of 2 (ours; Node's too when <paramref name="node"/>; ours as Native
    /// AOT too when <paramref name="aot"/> names its executable), after 2 s of serving.
    /// </summary>
    internal static async Task<List<ProcessMemory>> MemoryAsync(bool node, string? aot = null)
    {
        var memory = new List<ProcessMemory>();
        List<ServerKind> kinds = [ServerKind.Ours(SchedulingPolicy.RoundRobin, 0)];
        if (aot is not null) kinds.Add(ServerKind.OursAot(aot, 0));
        if (node) kinds.Add(ServerKind.NodeCluster(0));
        foreach (var kind in kinds)
        {
            await using var server = await RunningServer.StartAsync(kind);
            // Serve a little first; our runner rather than wrk, so that this needs nothing installed.
            await ExternalTools.OursAsync(server.Url, 20, TimeSpan.FromSeconds(2), newConnection: false, inlineCompletions: true);
            await Task.Delay(500);
            memory.Add(new(kind.Name, "the primary", Rss(server.Pid), Pss(server.Pid)));
            foreach (var (worker, i) in server.Workers.Select((w, i) => (w, i))) memory.Add(new(kind.Name, $"worker {i + 1}", Rss(worker), Pss(worker)));
        }
        return memory;
    }

    private static long Rss(int pid) => Kb($"/proc/{pid}/status", "VmRSS:");

    private static long Pss(int pid) => Kb($"/proc/{pid}/smaps_rollup", "Pss:");

    private static long Kb(string file, string field) =>
        long.Parse(File.ReadLines(file).First(l => l.StartsWith(field)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

    internal static async Task<string?> NodeVersionAsync()
    {
        try
        {
            return (await ChildProcess.ExecFileAsync("node", ["--version"])).Stdout.Trim();
        }
        catch (SpawnException)
        {
            return null;
        }
    }
}
