using System.Runtime.InteropServices;
using System.Text;
using Workbook.Processes;

namespace Workbook.Benchmarks;

/// <summary>
/// The same server measured by wrk, ab and our runner (tools/Workbook.Load), interleaved, in one run. Targets:
/// throughput within ±15% of wrk's when the server is the bottleneck; at least 0.7x wrk's rate against a trivial
/// endpoint (the generator's own speed); p50 and p99 within ±20% of wrk's.
/// </summary>
public static class LoadRunnerBenchmark
{
    /// <summary>What is measured: a path of the server, with keep-alive or a new connection per request.</summary>
    internal static readonly (string Name, string Path, bool NewConnection)[] Scenarios =
    [
        ("trivial endpoint, keep-alive (generator-bound)", "/", false),
        ("1 ms of CPU per request, keep-alive (server-bound)", "/compute", false),
        ("trivial endpoint, new connection per request", "/", true),
    ];

    /// <summary>Every tool this benchmark can run; wrk first, as the reference.</summary>
    internal static readonly string[] Tools = ["wrk", "ab", "ours", "ours, pool completions"];

    public static async Task<int> RunAsync(int seconds, int connections, int rounds, string outDir)
    {
        ExternalTools.RequireInstalled();
        var duration = TimeSpan.FromSeconds(seconds);
        var (server, url) = await StartServerAsync(connections);
        await using var _ = server;
        Console.WriteLine($"server {server.Pid} at {url}; {connections} connections, {seconds} s per run, {rounds} rounds, tools interleaved");

        var results = new List<object>();
        var report = new StringBuilder();
        report.AppendLine($"Load runner vs wrk and ab — {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}");
        report.AppendLine($"{connections} connections, {seconds} s per run, median of {rounds} interleaved rounds; server: examples/ComputeServer (Kestrel, thread pool) on the same machine.");
        report.AppendLine("\"ours\" is tools/Workbook.Load (socket completions inline on the epoll threads, its default); \"ours, pool completions\" the same with .NET's default, as in a notebook.");
        report.AppendLine();
        report.AppendLine("| scenario | tool | req/s | p50 ms | p99 ms | failed | req/s vs wrk | p50 vs wrk | p99 vs wrk |");
        report.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");

        foreach (var scenario in Scenarios)
        {
            var runs = await MeasureAsync(Tools, new Uri(url, scenario.Path), connections, duration, scenario.NewConnection, rounds, scenario.Name);
            var medians = Medians(runs);
            var wrk = medians["wrk"];
            foreach (var tool in Tools)
            {
                var m = medians[tool];
                report.AppendLine($"| {scenario.Name} | {tool} | {m.RequestsPerSecond:N0} | {m.P50Ms:0.00} | {m.P99Ms:0.00} | {m.Failed} | " +
                                  $"{m.RequestsPerSecond / wrk.RequestsPerSecond:0.00}× | {m.P50Ms / wrk.P50Ms:0.00}× | {m.P99Ms / wrk.P99Ms:0.00}× |");
            }
            results.Add(new { scenario.Name, scenario.Path, scenario.NewConnection, Runs = runs, Medians = medians.Values });
        }

        return BenchmarkReport.Write(outDir, "load-runner", report, new Dictionary<string, object?>
        {
            ["os"] = RuntimeInformation.OSDescription, ["connections"] = connections, ["seconds"] = seconds, ["rounds"] = rounds,
        }, results, resultsKey: "scenarios");
    }

    /// <summary>
    /// The server: ComputeServer on Kestrel's pool (/compute spends about 1 ms of CPU, / nothing), warmed up for 3 s
    /// (JIT) by our runner, so that this needs nothing installed.
    /// </summary>
    internal static async Task<(ChildProcess Server, Uri Url)> StartServerAsync(int connections)
    {
        var server = ChildProcess.Fork(ExamplePaths.Dll("ComputeServer"),
            ["--port", "0", "--loop", "pool", "--compute", "inline", "--iterations", "3000000"], new ForkOptions { Stdio = StdioMode.Ignore });
        try
        {
            // A timeout: a server that hangs before announcing its address would otherwise stall the run for good.
            var started = await server.NextMessageAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var url = new Uri(started.GetProperty("url").GetString()!);
            await ExternalTools.OursAsync(new Uri(url, "/compute"), connections, TimeSpan.FromSeconds(3), newConnection: false, inlineCompletions: true);
            return (server, url);
        }
        catch
        {
            // The caller can dispose only a server it got back: on any failure here, stop it rather than leave it running.
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Each of <paramref name="tools"/> once per round against <paramref name="target"/>, in a rotating order.</summary>
    internal static async Task<List<Measurement>> MeasureAsync(IReadOnlyList<string> tools, Uri target, int connections, TimeSpan duration, bool newConnection,
        int rounds, string scenario)
    {
        Task<Measurement> Run(string tool) => tool switch
        {
            "wrk" => ExternalTools.WrkAsync(target, connections, duration, newConnection),
            "ab" => ExternalTools.AbAsync(target, connections, duration, newConnection),
            "ours" => ExternalTools.OursAsync(target, connections, duration, newConnection, inlineCompletions: true),
            _ => ExternalTools.OursAsync(target, connections, duration, newConnection, inlineCompletions: false),
        };
        var runs = new List<Measurement>();
        for (int round = 0; round < rounds; round++)
        {
            // Rotate the order every round so no tool always runs on a warmer (or more tired) server.
            for (int k = 0; k < tools.Count; k++)
            {
                var m = await Run(tools[(k + round) % tools.Count]);
                runs.Add(m);
                Console.WriteLine($"  {scenario}, round {round + 1}: {m.Tool,-4} {m.RequestsPerSecond,9:N0} req/s  p50 {m.P50Ms,7:0.00} ms  p99 {m.P99Ms,7:0.00} ms  failed {m.Failed}");
            }
        }
        return runs;
    }

    /// <summary>One row per tool: the medians of its runs (failed: the sum).</summary>
    internal static Dictionary<string, Measurement> Medians(IEnumerable<Measurement> runs) =>
        runs.GroupBy(r => r.Tool).ToDictionary(g => g.Key, g => new Measurement(g.Key,
            Stats.Median(g.Select(x => x.RequestsPerSecond)), Stats.Median(g.Select(x => x.P50Ms)), Stats.Median(g.Select(x => x.P99Ms)), g.Sum(x => x.Failed)));
}
