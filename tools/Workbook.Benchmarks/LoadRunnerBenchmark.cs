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
    public static async Task<int> RunAsync(int seconds, int connections, int rounds, string outDir)
    {
        ExternalTools.RequireInstalled();
        var duration = TimeSpan.FromSeconds(seconds);

        // The server: ComputeServer on Kestrel's pool; /compute spends about 1 ms of CPU, / nothing.
        await using var server = ChildProcess.Fork(ExamplePaths.Dll("ComputeServer"),
            ["--port", "0", "--loop", "pool", "--compute", "inline", "--iterations", "3000000"], new ForkOptions { Stdio = StdioMode.Ignore });
        var url = new Uri((await server.NextMessageAsync()).GetProperty("url").GetString()!);
        Console.WriteLine($"server {server.Pid} at {url}; {connections} connections, {seconds} s per run, {rounds} rounds, tools interleaved");
        await ExternalTools.WrkAsync(new Uri(url, "/compute"), connections, TimeSpan.FromSeconds(3), newConnection: false); // warm-up (JIT)

        var scenarios = new[]
        {
            (Name: "trivial endpoint, keep-alive (generator-bound)", Path: "/", NewConnection: false),
            (Name: "1 ms of CPU per request, keep-alive (server-bound)", Path: "/compute", NewConnection: false),
            (Name: "trivial endpoint, new connection per request", Path: "/", NewConnection: true),
        };
        var results = new List<object>();
        var report = new StringBuilder();
        report.AppendLine($"Load runner vs wrk and ab — {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}");
        report.AppendLine($"{connections} connections, {seconds} s per run, median of {rounds} interleaved rounds; server: examples/ComputeServer (Kestrel, thread pool) on the same machine.");
        report.AppendLine("\"ours\" is tools/Workbook.Load (socket completions inline on the epoll threads, its default); \"ours, pool completions\" the same with .NET's default, as in a notebook.");
        report.AppendLine();
        report.AppendLine("| scenario | tool | req/s | p50 ms | p99 ms | failed | req/s vs wrk | p50 vs wrk | p99 vs wrk |");
        report.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");

        foreach (var scenario in scenarios)
        {
            var target = new Uri(url, scenario.Path);
            var runs = new List<Measurement>();
            for (int round = 0; round < rounds; round++)
            {
                // Rotate the order every round so no tool always runs on a warmer (or more tired) server.
                var order = new List<Func<Task<Measurement>>>
                {
                    () => ExternalTools.WrkAsync(target, connections, duration, scenario.NewConnection),
                    () => ExternalTools.AbAsync(target, connections, duration, scenario.NewConnection),
                    () => ExternalTools.OursAsync(target, connections, duration, scenario.NewConnection, inlineCompletions: true),
                    () => ExternalTools.OursAsync(target, connections, duration, scenario.NewConnection, inlineCompletions: false),
                };
                for (int k = 0; k < order.Count; k++)
                {
                    var m = await order[(k + round) % order.Count]();
                    runs.Add(m);
                    Console.WriteLine($"  {scenario.Name}, round {round + 1}: {m.Tool,-4} {m.RequestsPerSecond,9:N0} req/s  p50 {m.P50Ms,7:0.00} ms  p99 {m.P99Ms,7:0.00} ms  failed {m.Failed}");
                }
            }
            var medians = runs.GroupBy(r => r.Tool).ToDictionary(g => g.Key, g => new Measurement(g.Key,
                Stats.Median(g.Select(x => x.RequestsPerSecond)), Stats.Median(g.Select(x => x.P50Ms)), Stats.Median(g.Select(x => x.P99Ms)), g.Sum(x => x.Failed)));
            var wrk = medians["wrk"];
            foreach (var tool in new[] { "wrk", "ab", "ours", "ours, pool completions" })
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
}
