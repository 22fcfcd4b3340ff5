using System.Diagnostics;

namespace Workbook.LoadTesting;

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
