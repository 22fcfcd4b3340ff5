using System.Diagnostics;
using static Workbook.Benchmarks.ClusterBenchmark;

namespace Workbook.Benchmarks;

/// <summary>
/// What a new cluster costs before it serves at full speed: launch → every worker listening (cold start), and the
/// request rate second by second from the first answer (warm-up), ours and Node's.
/// </summary>
internal static class WarmUpBenchmark
{
    /// <summary>The notes' loop, cut to 1e5 iterations: enough CPU per request for compilation tiers to show.</summary>
    public const long Work = 100_000;

    public const int Clients = 50;

    /// <summary>Launch of the primary → "Started process" printed for every worker, in milliseconds (one launch; the caller interleaves them).</summary>
    public static async Task<double> ColdStartAsync(ServerKind kind)
    {
        var clock = Stopwatch.StartNew();
        await using var server = await RunningServer.StartAsync(kind);
        return clock.Elapsed.TotalMilliseconds;
    }

    /// <summary>
    /// Requests per second in each of <paramref name="seconds"/> back-to-back one-second <c>wrk</c> windows, the first
    /// starting as soon as the server has answered once.
    /// </summary>
    public static async Task<List<double>> WarmUpAsync(ServerKind kind, int seconds)
    {
        await using var server = await RunningServer.StartAsync(kind);
        using (var client = new HttpClient())
            await client.GetAsync(server.Url);
        var rates = new List<double>();
        for (int i = 0; i < seconds; i++)
            rates.Add((await ExternalTools.WrkAsync(server.Url, Clients, TimeSpan.FromSeconds(1), newConnection: false)).RequestsPerSecond);
        return rates;
    }

    /// <summary>The first window at 90 % or more of full speed (the median of the last half of the windows), counted from 1.</summary>
    public static int SecondsToFullSpeed(IReadOnlyList<double> rates) =>
        rates.Select((rate, i) => (rate, i)).First(w => w.rate >= 0.9 * FullSpeed(rates)).i + 1;

    public static double FullSpeed(IReadOnlyList<double> rates) => Stats.Median(rates.Skip(rates.Count / 2).ToList());
}
