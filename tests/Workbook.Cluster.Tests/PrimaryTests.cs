using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Workbook.Cluster.Tests;

public class PrimaryTests
{
    [Fact]
    public async Task Lifecycle_events_come_in_nodes_order()
    {
        var events = new ConcurrentQueue<string>();
        var primary = new ClusterPrimary(Programs.Settings(workers: 1));
        primary.Forked += w => events.Enqueue($"fork {w.Id}");
        primary.Online += w => events.Enqueue($"online {w.Id}");
        primary.Listening += (w, port) => events.Enqueue($"listening {w.Id} {port == primary.Port}");
        primary.Disconnected += w => events.Enqueue($"disconnect {w.Id}");
        primary.Exit += (w, code, signal) => events.Enqueue($"exit {w.Id} {code} {signal} {w.ExitedAfterDisconnect}");

        await primary.StartAsync().WaitAsync(Programs.Timeout);
        var worker = primary.Workers[1];
        await primary.DisposeAsync();
        await worker.Exited.WaitAsync(Programs.Timeout);

        Assert.Equal(["fork 1", "online 1", "listening 1 True", "disconnect 1", "exit 1 0  True"], events);
        Assert.True(worker.IsDead);
        Assert.Empty(primary.Workers);
    }

    [Fact]
    public async Task Round_robin_balances_100_new_connections_exactly()
    {
        var primary = await ClusterPrimary.StartAsync(Programs.Settings(workers: 2)).WaitAsync(Programs.Timeout);
        try
        {
            var result = await Programs.RequestsAsync(primary.Url, count: 100);

            Assert.Equal(100, result.Ok);
            Assert.Equal([50L, 50L], result.ByAttribution.Values);
            Assert.Equal(primary.Workers.Values.Select(w => w.Pid.ToString()).Order(), result.ByAttribution.Keys.Order());
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(SchedulingPolicy.RoundRobin)]
    [InlineData(SchedulingPolicy.ReusePort)]
    [InlineData(SchedulingPolicy.Shared)]
    public async Task Every_policy_serves_the_shared_port_from_the_workers(SchedulingPolicy policy)
    {
        var primary = await ClusterPrimary.StartAsync(Programs.Settings(workers: 2, policy)).WaitAsync(Programs.Timeout);
        try
        {
            var result = await Programs.RequestsAsync(primary.Url, count: 60);

            Assert.Equal(60, result.Ok);
            var pids = primary.Workers.Values.Select(w => w.Pid.ToString()).ToHashSet();
            Assert.All(result.ByAttribution.Keys, pid => Assert.Contains(pid, pids));
            using var http = new HttpClient();
            var body = await http.GetStringAsync(primary.Url);
            Assert.Matches(@"^Handled by process \d+\n", body);
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_broadcast_reaches_every_worker_and_workers_answer_the_primary()
    {
        var output = new StringWriter();
        var primary = await ClusterPrimary.StartAsync(Programs.Settings(workers: 2) with { WorkerOutput = TextWriter.Synchronized(output) }).WaitAsync(Programs.Timeout);
        try
        {
            var pongs = new ConcurrentDictionary<int, JsonElement>();
            var both = new TaskCompletionSource();
            primary.Message += (worker, message) =>
            {
                pongs[worker.Id] = message;
                if (pongs.Count == 2) both.TrySetResult();
            };

            primary.Broadcast(new { hello = "workers" });
            primary.Broadcast(new { ping = 7 });
            await both.Task.WaitAsync(Programs.Timeout);

            foreach (var (id, pong) in pongs)
            {
                Assert.Equal(7, pong.GetProperty("pong").GetInt32());
                Assert.Equal(id, pong.GetProperty("worker").GetInt32());
                Assert.Equal(primary.Workers[id].Pid, pong.GetProperty("pid").GetInt32());
            }
            var text = output.ToString();
            Assert.Contains("[worker 1] Message from primary: {\"hello\":\"workers\"}", text);
            Assert.Contains("[worker 2] Message from primary: {\"hello\":\"workers\"}", text);
            Assert.DoesNotContain("$wb", text); // the cluster's own messages never reach the user's handlers
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_graceful_disconnect_lets_an_in_flight_request_finish()
    {
        var primary = await ClusterPrimary.StartAsync(Programs.Settings(workers: 1)).WaitAsync(Programs.Timeout);
        try
        {
            var worker = primary.Workers[1];
            using var http = new HttpClient();
            var slow = http.GetAsync(new Uri(primary.Url, "/slow?ms=1500"));
            await Task.Delay(400);

            worker.Disconnect();
            using var response = await slow.WaitAsync(Programs.Timeout);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(response.Headers.ConnectionClose);
            Assert.StartsWith($"Handled by process {worker.Pid}", await response.Content.ReadAsStringAsync());
            Assert.Equal(new Workbook.Processes.ChildExit(0, null), await worker.Exited.WaitAsync(Programs.Timeout));
            Assert.True(worker.ExitedAfterDisconnect);
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_handler_that_throws_does_not_keep_the_next_handlers_from_the_event()
    {
        // Chapter 05's exit handler calls Fork(), which throws once the cluster is stopping; the handlers after it
        // (ClusterMarks there) must still hear of the exit, at the primary and at the worker.
        var primary = await ClusterPrimary.StartAsync(Programs.Settings(workers: 1) with { Restart = RestartPolicy.Never }).WaitAsync(Programs.Timeout);
        try
        {
            var worker = primary.Workers[1];
            var primaryHeard = new TaskCompletionSource<string?>();
            var workerHeard = new TaskCompletionSource<string?>();
            primary.Exit += (_, _, _) => throw new InvalidOperationException("the first handler fails");
            primary.Exit += (_, _, signal) => primaryHeard.TrySetResult(signal);
            worker.Exit += (_, _, _) => throw new InvalidOperationException("the first handler fails");
            worker.Exit += (_, _, signal) => workerHeard.TrySetResult(signal);

            worker.Process.Kill("SIGKILL");

            Assert.Equal("SIGKILL", await primaryHeard.Task.WaitAsync(Programs.Timeout));
            Assert.Equal("SIGKILL", await workerHeard.Task.WaitAsync(Programs.Timeout));
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_worker_killed_with_SIGKILL_reports_the_signal_and_was_not_a_planned_exit()
    {
        var primary = await ClusterPrimary.StartAsync(Programs.Settings(workers: 2) with { Restart = RestartPolicy.Never }).WaitAsync(Programs.Timeout);
        try
        {
            var exit = new TaskCompletionSource<(int?, string?, bool)>();
            primary.Exit += (w, code, signal) => exit.TrySetResult((code, signal, w.ExitedAfterDisconnect));

            primary.Workers[1].Process.Kill("SIGKILL"); // from outside, as the OOM killer would

            Assert.Equal((null, "SIGKILL", false), await exit.Task.WaitAsync(Programs.Timeout));
            Assert.Single(primary.Workers);
            var result = await Programs.RequestsAsync(primary.Url, count: 20); // the survivor serves everything
            Assert.Equal(20, result.Ok);
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_port_in_use_fails_with_a_clear_error_and_starts_no_worker()
    {
        using var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        var port = ((IPEndPoint)occupier.LocalEndpoint).Port;
        var forked = 0;

        foreach (var policy in Enum.GetValues<SchedulingPolicy>())
        {
            var primary = new ClusterPrimary(Programs.Settings(workers: 2, policy) with { Port = port });
            primary.Forked += _ => Interlocked.Increment(ref forked);
            var e = await Assert.ThrowsAsync<ClusterException>(() => primary.StartAsync());
            await primary.DisposeAsync();
            Assert.Contains($"Port {port} on 127.0.0.1 is in use", e.Message);
        }
        Assert.Equal(0, forked);
    }

    [Fact]
    public async Task A_worker_that_crashes_at_start_up_is_a_clear_error_not_a_hang()
    {
        var settings = Programs.Settings(workers: 2) with { Exec = Programs.Dummy, Args = ["crash"] };

        var e = await Assert.ThrowsAsync<ClusterException>(() => ClusterPrimary.StartAsync(settings).WaitAsync(Programs.Timeout));

        Assert.Matches(@"worker \d \(pid \d+\) exited with code 3 before it was listening", e.Message);
    }

    [Fact]
    public async Task A_worker_program_that_does_not_exist_is_named()
    {
        var e = await Assert.ThrowsAsync<ClusterException>(() =>
            ClusterPrimary.StartAsync(Programs.Settings(workers: 1) with { Exec = "/no/such/worker.dll" }).WaitAsync(Programs.Timeout));

        Assert.Contains("'/no/such/worker.dll' does not exist", e.Message);
    }

    [Fact]
    public async Task A_worker_that_never_listens_times_out_and_is_ended()
    {
        var settings = Programs.Settings(workers: 1) with { Exec = Programs.Dummy, Args = ["no-channel-code"], ListenTimeout = TimeSpan.FromSeconds(2) };
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<ClusterException>(() => ClusterPrimary.StartAsync(settings).WaitAsync(Programs.Timeout));

        Assert.Contains("did not report listening within 2 s", e.Message);
        Assert.Contains("UseClusterWorker()", e.Message);
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.5, 15);
    }
}
