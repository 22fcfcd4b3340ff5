using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Workbook.Testing;

namespace Workbook.LoadTesting.Tests;

public class LatencyProbeTests
{
    [Fact]
    public async Task Probes_sent_while_the_server_is_blocked_all_wait_for_it()
    {
        // A server where /busy holds a lock for 1 s and / needs the same lock: a blocked single thread.
        var gate = new SemaphoreSlim(1, 1);
        await using var server = await TestServer.StartAsync(app =>
        {
            app.MapGet("/", async () => { await gate.WaitAsync(); gate.Release(); return "Ok"; });
            app.MapGet("/busy", async () => { await gate.WaitAsync(); await Task.Delay(1000); gate.Release(); return "done"; });
        });

        var result = await LatencyProbe.WhileBusyAsync("blocked", new Uri(server.Url, "/"), new Uri(server.Url, "/busy"));

        Assert.Equal(10, result.Baseline.Count);
        Assert.Equal("done", result.BusyResponse);
        Assert.InRange(result.BusyDuration.TotalMilliseconds, 900, 5000);
        var samples = string.Join(", ", result.WhileBusy.Select(p => $"{p.SentAt.TotalMilliseconds:0}ms:{p.Latency.TotalMilliseconds:0}ms"));
        Assert.True(result.WhileBusy.Count >= 5, $"{result.WhileBusy.Count} probes in {result.BusyDuration}: {samples}; baseline {string.Join(", ", result.Baseline.Select(b => b.TotalMilliseconds.ToString("0.0")))}");
        var first = result.WhileBusy.OrderBy(s => s.SentAt).First();
        Assert.True(first.Latency > TimeSpan.FromMilliseconds(800), $"the first probe waited only {first.Latency}");
        Assert.True(result.MaxWhileBusy > result.BusyDuration / 2);
        Assert.Equal(0, result.FailedProbes);
        Assert.Contains("blocked: the probe answered in", result.ToString());
    }

    [Fact]
    public async Task Probes_to_a_server_that_stays_free_stay_fast_and_failures_are_counted()
    {
        var calls = 0;
        await using var server = await TestServer.StartAsync(app =>
        {
            // Healthy for the baseline, then every other probe fails.
            app.MapGet("/", () => Interlocked.Increment(ref calls) > 10 && calls % 2 == 0 ? Results.StatusCode(500) : Results.Ok("Ok"));
            app.MapGet("/busy", async () => { await Task.Delay(1000); return "done"; });
        });

        var result = await LatencyProbe.WhileBusyAsync("free", new Uri(server.Url, "/"), new Uri(server.Url, "/busy"),
            new LatencyProbeOptions { BusyRequests = 3 });

        Assert.True(result.MaxWhileBusy < result.BusyDuration / 2, $"max {result.MaxWhileBusy} of {result.BusyDuration}");
        var samples = string.Join(", ", result.WhileBusy.Select(p => $"{p.SentAt.TotalMilliseconds:0}ms:{p.Latency.TotalMilliseconds:0}ms:{(p.Ok ? "ok" : "failed")}"));
        Assert.True(result.FailedProbes > 0, samples);
        Assert.True(result.FailedProbes < result.WhileBusy.Count, samples);
    }

    [Fact]
    public async Task A_probe_endpoint_that_does_not_answer_is_a_clear_error()
    {
        var closedPort = new Uri($"http://127.0.0.1:{TestServer.FreePort()}/");
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => LatencyProbe.WhileBusyAsync("nothing", closedPort, closedPort));
        Assert.Contains("does not answer with success", e.Message);
    }
}
