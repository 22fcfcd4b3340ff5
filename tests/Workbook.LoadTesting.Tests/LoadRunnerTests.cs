using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Workbook.Testing;

namespace Workbook.LoadTesting.Tests;

public class LoadRunnerTests
{
    private static LoadTest Closed(Uri url, int clients, double seconds, long? maxRequests = null) => new()
    {
        Url = url,
        Load = [Load.KeepConstant(clients, TimeSpan.FromSeconds(seconds))],
        MaxRequests = maxRequests,
    };

    [Fact]
    public async Task Counts_add_up_exactly_and_the_server_saw_every_request()
    {
        long served = 0;
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", () => { Interlocked.Increment(ref served); return "Ok"; }));

        var result = await LoadRunner.RunAsync(Closed(server.Url, clients: 4, seconds: 30, maxRequests: 500));

        Assert.Equal((500L, 500L, 0L, 0L), (result.Requests, result.Ok, result.Failed, result.Unfinished));
        Assert.Equal(500, Interlocked.Read(ref served));
        Assert.Equal(StopReason.RequestCount, result.StoppedBy);
        Assert.Equal(500, result.Latency.Count);
        Assert.Equal(result.Ok, result.Timeline.Sum(s => s.Ok));
    }

    [Fact]
    public async Task Keep_alive_uses_one_connection_per_client_and_the_other_mode_one_per_request()
    {
        var connections = new ConcurrentDictionary<string, int>();
        await using var server = await TestServer.StartAsync(app =>
            app.MapGet("/", (HttpContext c) => { connections.TryAdd(c.Connection.Id, 0); return "Ok"; }));

        await LoadRunner.RunAsync(Closed(server.Url, clients: 5, seconds: 30, maxRequests: 300));
        Assert.Equal(5, connections.Count);

        connections.Clear();
        var fresh = await LoadRunner.RunAsync(Closed(server.Url, clients: 5, seconds: 30, maxRequests: 300) with { Connection = ConnectionMode.NewPerRequest });
        Assert.Equal(300, fresh.Ok);
        Assert.Equal(300, connections.Count);
    }

    [Fact]
    public async Task A_closed_port_is_refused()
    {
        var result = await LoadRunner.RunAsync(Closed(new Uri($"http://127.0.0.1:{TestServer.FreePort()}/"), clients: 2, seconds: 10, maxRequests: 50));

        Assert.Equal(50, result.Failures[FailureReason.Refused]);
        Assert.Equal(50, result.Requests);
        Assert.Equal(0, result.Ok);
    }

    [Fact]
    public async Task A_server_that_drops_the_connection_is_a_reset_a_500_is_non_2xx_and_a_slow_answer_a_timeout()
    {
        await using var server = await TestServer.StartAsync(app =>
        {
            app.MapGet("/reset", (HttpContext c) => c.Abort());
            app.MapGet("/error", () => Results.StatusCode(500));
            app.MapGet("/slow", async () => { await Task.Delay(5000); return "late"; });
        });

        var reset = await LoadRunner.RunAsync(Closed(server.At("/reset"), clients: 2, seconds: 10, maxRequests: 40));
        Assert.Equal(40, reset.Failures[FailureReason.Reset]);

        var error = await LoadRunner.RunAsync(Closed(server.At("/error"), clients: 2, seconds: 10, maxRequests: 40));
        Assert.Equal(40, error.Failures[FailureReason.Status]);
        Assert.Equal(new Dictionary<int, long> { [500] = 40 }, error.StatusCodes);
        Assert.Equal("40 non-2xx (500)", error.DescribeFailures("none"));
        Assert.Equal(40, error.Latency.Count); // a non-2xx answer still has a latency

        var slow = await LoadRunner.RunAsync(Closed(server.At("/slow"), clients: 3, seconds: 10, maxRequests: 3) with { Timeout = TimeSpan.FromMilliseconds(300) });
        Assert.Equal(3, slow.Failures[FailureReason.Timeout]);
        Assert.Equal(0, slow.Latency.Count);
    }

    [Fact]
    public async Task The_timeline_adds_up_to_the_totals()
    {
        long n = 0;
        await using var server = await TestServer.StartAsync(app =>
            app.MapGet("/", () => Interlocked.Increment(ref n) % 3 == 0 ? Results.StatusCode(503) : Results.Ok("Ok")));

        var result = await LoadRunner.RunAsync(Closed(server.Url, clients: 3, seconds: 2));

        Assert.True(result.Timeline.Count >= 2);
        Assert.Equal(result.Ok, result.Timeline.Sum(s => s.Ok));
        Assert.Equal(result.Failed, result.Timeline.Sum(s => s.Failed));
        Assert.Equal(result.Requests, result.Ok + result.Failed + result.Unfinished);
        Assert.True(result.Failed > 0 && result.Ok > 0);
    }

    [Fact]
    public async Task The_open_model_keeps_its_rate_against_a_stalled_server_and_counts_latency_from_the_schedule()
    {
        // Every request waits until one second into the run; then all are answered at once.
        var open = new TaskCompletionSource();
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", async () => { await open.Task; return "Ok"; }));
        var test = new LoadTest { Url = server.Url, Load = [Load.Inject(100, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2))] };

        var run = LoadRunner.Start(test);
        // Opened by the run's own clock (its timeline's), not the test's: on a busy machine the run starts late.
        while (run.Progress.Elapsed < TimeSpan.FromMilliseconds(1020)) await Task.Delay(5);
        open.SetResult();
        var result = await run.Completion;

        Assert.InRange(result.Requests, 190, 201);               // the schedule went on while nothing was answered
        Assert.Equal(result.Requests, result.Ok);
        Assert.InRange(result.Latency.Max.TotalMilliseconds, 900, 1500); // the first request waited ~1 s from its scheduled time
        Assert.Equal(0, result.Timeline[0].Ok);                  // nothing completed during the stall
        Assert.True(result.Timeline[1].Ok >= 90, $"{result.Timeline[1].Ok} completed just after the stall");
    }

    [Fact]
    public async Task The_open_model_does_not_send_on_a_keep_alive_connection_the_server_closed_while_it_was_idle()
    {
        // Kestrel closes a keep-alive connection idle for 100 ms (it looks about once a second), so the pooled
        // connections are closed when the slow second phase comes back. An HTTP client's pool notices, connects anew.
        var connections = new List<string>();
        await using var server = await TestServer.StartAsync(
            app => app.MapGet("/", async (HttpContext context) => { lock (connections) connections.Add(context.Connection.Id); await Task.Delay(20); return "Ok"; }),
            builder => builder.WebHost.ConfigureKestrel(k => k.Limits.KeepAliveTimeout = TimeSpan.FromMilliseconds(100)));
        var result = await LoadRunner.RunAsync(new LoadTest
        {
            Url = server.Url,
            Connection = ConnectionMode.KeepAlive,
            Load = [Load.Inject(50, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)), Load.Inject(1, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(5))],
        });

        Assert.True(result.Failed == 0, $"{result.Failed} failed: {result.DescribeFailures("none")}");
        Assert.Equal(result.Requests, result.Ok);
        // The second phase's requests come at 0 and 2.5 s into it: the last finds every pooled connection closed.
        Assert.True(!connections.SkipLast(1).Contains(connections[^1]),
            $"the last request came on a new connection, the server having closed the idle ones: {string.Join(", ", connections.TakeLast(4))}");
    }

    [Fact]
    public async Task A_closed_model_sends_almost_nothing_while_the_server_stalls()
    {
        var open = new TaskCompletionSource();
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", async () => { await open.Task; return "Ok"; }));

        var run = LoadRunner.Start(Closed(server.Url, clients: 1, seconds: 1.5));
        await Task.Delay(1000);
        var duringStall = run.Progress.Requests;
        open.SetResult();
        await run.Completion;

        Assert.Equal(1, duringStall); // coordinated omission: a closed client waits instead of sending
    }

    [Fact]
    public async Task Attribution_counts_match_what_the_server_counted()
    {
        var counted = new ConcurrentDictionary<string, long>();
        long n = 0;
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", (HttpContext c) =>
        {
            var worker = "w" + Interlocked.Increment(ref n) % 3;
            counted.AddOrUpdate(worker, 1, (_, v) => v + 1);
            c.Response.Headers["X-Worker"] = worker;
            return "Ok";
        }));

        var result = await LoadRunner.RunAsync(Closed(server.Url, clients: 4, seconds: 1.5) with { AttributeBy = "X-Worker" });

        Assert.Equal(counted.OrderBy(c => c.Key), result.ByAttribution.OrderBy(c => c.Key));
        Assert.Equal(result.Ok, result.Timeline.Sum(s => s.ByAttribution.Values.Sum()));
    }

    [Fact]
    public async Task Progress_has_the_counts_per_attribution_value_and_failures_by_reason_while_the_run_goes_on()
    {
        long n = 0;
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", (HttpContext c) =>
        {
            var k = Interlocked.Increment(ref n);
            c.Response.Headers["X-Worker"] = "w" + k % 2;
            return k % 5 == 0 ? Results.StatusCode(503) : Results.Ok("Ok");
        }));
        var run = LoadRunner.Start(Closed(server.Url, clients: 2, seconds: 30) with { AttributeBy = "X-Worker" });

        while (run.Progress.Elapsed < TimeSpan.FromSeconds(1.2)) await Task.Delay(20); // second 0 is complete
        var during = run.Progress;
        run.Stop();
        var result = await run.Completion;

        Assert.Equal(["w0", "w1"], during.ByAttribution.Keys.Order());
        Assert.All(during.ByAttribution, w => Assert.InRange(w.Value, 1, result.ByAttribution[w.Key]));
        Assert.Equal(["w0", "w1"], during.CurrentRateByAttribution.Keys.Order());
        Assert.All(during.CurrentRateByAttribution.Values, rate => Assert.True(rate > 0));
        Assert.True(during.Failures[FailureReason.Status] > 0);
        Assert.Equal(during.Failed, during.Failures.Values.Sum());
        // Once the run has ended, its progress says what its result says.
        Assert.Equal(result.ByAttribution.OrderBy(w => w.Key), run.Progress.ByAttribution.OrderBy(w => w.Key));
        Assert.Equal(result.Failures.OrderBy(f => f.Key), run.Progress.Failures.OrderBy(f => f.Key));
    }

    [Fact]
    public async Task A_two_second_run_ends_by_two_and_a_half_seconds_even_if_answers_are_slow()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", async () => { await Task.Delay(5000); return "Ok"; }));
        var clock = Stopwatch.StartNew();

        var result = await LoadRunner.RunAsync(Closed(server.Url, clients: 3, seconds: 2));

        Assert.InRange(clock.Elapsed.TotalSeconds, 2.0, 2.9);
        Assert.Equal((3L, 3L, 0L), (result.Requests, result.Unfinished, result.Ok));
        Assert.Equal(TimeSpan.FromSeconds(2), result.Duration);
    }

    [Fact]
    public async Task Answers_in_the_end_grace_count_in_the_totals_but_not_in_the_throughput()
    {
        // Each answer takes 300 ms: the requests in flight when the load stops are answered in the end grace.
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", async () => { await Task.Delay(300); return "Ok"; }));

        var result = await LoadRunner.RunAsync(Closed(server.Url, clients: 4, seconds: 1));

        // Every client has one request in flight at any moment (bar the instant between an answer and its next send).
        Assert.InRange(result.OkAfterEnd, 1, 4);
        Assert.InRange(result.OkAfterEnd + result.Unfinished, 1, 4);
        Assert.Equal((result.Ok - result.OkAfterEnd) / 1.0, result.Throughput);
        // "Within the run's time" is by completion time, as the timeline counts: exactly its first second here.
        Assert.Equal(result.Ok - result.OkAfterEnd, result.Timeline[0].Ok);

        // The load stopped at its time bound; the run ended after the grace, which waited for those answers.
        Assert.Equal(result.StartedAt + TimeSpan.FromSeconds(1), result.LoadStoppedAt);
        Assert.InRange(result.EndedAt - result.LoadStoppedAt, TimeSpan.FromMilliseconds(1), LoadRun.EndGrace + TimeSpan.FromSeconds(1));
        Assert.InRange(DateTimeOffset.UtcNow - result.EndedAt, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Cancelling_stops_the_run_at_once_and_marks_land_on_the_timeline()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", () => "Ok"));
        using var cts = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();

        var run = LoadRunner.Start(Closed(server.Url, clients: 2, seconds: 30), cts.Token);
        await Task.Delay(400);
        run.Mark("something happened");
        await Task.Delay(200);
        cts.Cancel();
        var result = await run.Completion;

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.Equal(StopReason.Cancelled, result.StoppedBy);
        var mark = Assert.Single(result.Marks);
        Assert.Equal("something happened", mark.Text);
        Assert.InRange(mark.At.TotalMilliseconds, 350, 1000);
        Assert.True(result.Ok > 0);
    }

    [Fact]
    public async Task Stopping_ends_the_run_early_and_lets_requests_in_flight_finish()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", async () => { await Task.Delay(200); return "Ok"; }));
        var run = LoadRunner.Start(Closed(server.Url, clients: 4, seconds: 30));
        await Task.Delay(1000);

        run.Stop();
        var result = await run.Completion;

        Assert.Equal(StopReason.Stopped, result.StoppedBy);
        Assert.InRange(result.Duration.TotalSeconds, 0.9, 3);
        Assert.Equal((0L, 0L), (result.Failed, result.Unfinished)); // each had 200 ms to go: within the end grace
        Assert.Equal(result.Requests, result.Ok);
    }

    [Fact]
    public async Task Ramps_follow_the_profile()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", () => "Ok"));

        // 0 → 200 requests per second over 2 s: the area under the ramp is 200 requests.
        var ramp = await LoadRunner.RunAsync(new LoadTest { Url = server.Url, Load = [Load.RampingInject(200, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2))] });
        Assert.InRange(ramp.Requests, 190, 201);
        Assert.True(ramp.Timeline[1].Ok > 2 * ramp.Timeline[0].Ok, $"{ramp.Timeline[0].Ok} then {ramp.Timeline[1].Ok}");

        var steps = await LoadRunner.RunAsync(new LoadTest
        {
            Url = server.Url,
            Load = [Load.Inject(50, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)), Load.Inject(150, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))],
        });
        Assert.InRange(steps.Requests, 190, 201);
        Assert.Equal("50 req/s for 1 s, then 150 req/s for 1 s", steps.Profile);
    }

    [Fact]
    public void Bad_tests_are_rejected_with_a_clear_reason()
    {
        var url = new Uri("http://127.0.0.1:9/");
        Assert.Contains("not this machine", Assert.Throws<ArgumentException>(() =>
            LoadRunner.Start(new LoadTest { Url = new Uri("http://example.com/"), Load = [Load.KeepConstant(1, TimeSpan.FromSeconds(1))] })).Message);
        Assert.Contains("either closed", Assert.Throws<ArgumentException>(() =>
            LoadRunner.Start(new LoadTest { Url = url, Load = [Load.KeepConstant(1, TimeSpan.FromSeconds(1)), Load.Inject(1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))] })).Message);
        Assert.Throws<ArgumentException>(() => LoadRunner.Start(new LoadTest { Url = new Uri("https://127.0.0.1/"), Load = [Load.KeepConstant(1, TimeSpan.FromSeconds(1))] }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Load.KeepConstant(0, TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Load.Inject(10, TimeSpan.FromSeconds(1), TimeSpan.Zero));
    }
}
