using System.Diagnostics;

namespace Workbook.LoadTesting;

/// <summary>One probe request: when it was sent (from the start of the busy request) and how long it took.</summary>
public sealed record ProbeSample(TimeSpan SentAt, TimeSpan Latency, bool Ok);

/// <summary>How a cheap endpoint answered before and while expensive requests were running.</summary>
public sealed record BusyLatency(
    string Label,
    IReadOnlyList<TimeSpan> Baseline,
    IReadOnlyList<ProbeSample> WhileBusy,
    TimeSpan BusyDuration,
    string BusyResponse)
{
    public TimeSpan BaselineMedian => Median(Baseline);
    public TimeSpan MedianWhileBusy => Median(WhileBusy.Select(s => s.Latency).ToList());
    public TimeSpan MaxWhileBusy => WhileBusy.Count == 0 ? TimeSpan.Zero : WhileBusy.Max(s => s.Latency);
    public int FailedProbes => WhileBusy.Count(s => !s.Ok);

    public override string ToString() =>
        $"{Label}: the probe answered in {Ms(BaselineMedian)} (median) before; while the busy request ran ({Ms(BusyDuration)}), " +
        $"{WhileBusy.Count} probes took {Ms(MedianWhileBusy)} (median) and {Ms(MaxWhileBusy)} (max)" +
        (FailedProbes > 0 ? $", {FailedProbes} failed" : "") + ".";

    private static string Ms(TimeSpan t) => t.TotalMilliseconds >= 100 ? $"{t.TotalMilliseconds:N0} ms" : $"{t.TotalMilliseconds:0.0} ms";

    private static TimeSpan Median(IReadOnlyList<TimeSpan> values)
    {
        if (values.Count == 0) return TimeSpan.Zero;
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}

/// <summary>Options of <see cref="LatencyProbe.WhileBusyAsync"/>.</summary>
public sealed record LatencyProbeOptions
{
    /// <summary>A probe is sent this often while the busy request runs, whether or not earlier probes were answered.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How many busy requests run at once.</summary>
    public int BusyRequests { get; init; } = 1;

    /// <summary>Probes sent one after another before the busy request, for the baseline.</summary>
    public int BaselineProbes { get; init; } = 10;

    /// <summary>The whole measurement gives up after this long (bounded: every run ends).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Measures what one slow request does to everyone else: the latency of a cheap endpoint, probed at a fixed rate
/// while an expensive request runs. Probes go out on schedule even when earlier ones are still waiting, so a
/// server that cannot answer shows it in every probe, not just the first.
/// </summary>
public static class LatencyProbe
{
    public static async Task<BusyLatency> WhileBusyAsync(string label, Uri probe, Uri busy, LatencyProbeOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new LatencyProbeOptions();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            Timeout = options.Timeout,
        };

        var baseline = new List<TimeSpan>();
        for (int i = 0; i < options.BaselineProbes; i++)
        {
            var (latency, ok) = await TimeAsync(http, probe, timeout.Token).ConfigureAwait(false);
            if (!ok) throw new HttpRequestException($"The probe endpoint {probe} does not answer with success; nothing to measure.");
            baseline.Add(latency);
        }

        if (options.BusyRequests < 1) throw new ArgumentOutOfRangeException(nameof(options), "BusyRequests must be at least 1.");
        var clock = Stopwatch.StartNew();
        var busyRequests = Enumerable.Range(0, options.BusyRequests).Select(_ => http.GetStringAsync(busy, timeout.Token)).ToList();
        var busyRequest = Task.WhenAll(busyRequests);
        var probes = new List<Task<ProbeSample>>();
        // The first probe goes out one interval after the busy requests, so they have reached the server first.
        await Task.WhenAny(busyRequest, Task.Delay(options.Interval, timeout.Token)).ConfigureAwait(false);
        while (!busyRequest.IsCompleted)
        {
            var sentAt = clock.Elapsed;
            probes.Add(ProbeAt(http, probe, sentAt, timeout.Token));
            await Task.WhenAny(busyRequest, Task.Delay(options.Interval, timeout.Token)).ConfigureAwait(false);
            timeout.Token.ThrowIfCancellationRequested();
        }
        var busyResponse = (await busyRequest.ConfigureAwait(false))[0];
        var busyDuration = clock.Elapsed;
        var samples = await Task.WhenAll(probes).ConfigureAwait(false);
        return new BusyLatency(label, baseline, samples, busyDuration, busyResponse);
    }

    private static async Task<ProbeSample> ProbeAt(HttpClient http, Uri probe, TimeSpan sentAt, CancellationToken cancellationToken)
    {
        var (latency, ok) = await TimeAsync(http, probe, cancellationToken).ConfigureAwait(false);
        return new ProbeSample(sentAt, latency, ok);
    }

    private static async Task<(TimeSpan, bool)> TimeAsync(HttpClient http, Uri url, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.GetAsync(url, cancellationToken).ConfigureAwait(false);
            await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return (Stopwatch.GetElapsedTime(start), response.IsSuccessStatusCode);
        }
        catch (HttpRequestException)
        {
            return (Stopwatch.GetElapsedTime(start), false);
        }
    }
}
