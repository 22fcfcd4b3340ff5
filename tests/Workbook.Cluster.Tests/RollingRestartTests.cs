using System.Collections.Concurrent;
using System.Net;
using Workbook.LoadTesting;
using Workbook.Processes;

namespace Workbook.Cluster.Tests;

/// <summary>Rolling restarts and drains: every worker replaced under load without a failed request.</summary>
[Collection(LoadCollection.Name)]
public class RollingRestartTests
{
    [Theory]
    [InlineData(ConnectionMode.NewPerRequest)]
    [InlineData(ConnectionMode.KeepAlive)]
    public async Task Two_rolling_restarts_under_load_fail_no_request_and_keep_the_worker_count(ConnectionMode mode)
    {
        var primary = await ClusterPrimary.StartAsync(Programs.Settings(workers: 2)).WaitAsync(Programs.Timeout);
        try
        {
            var original = primary.Workers.Values.Select(w => w.Pid).ToHashSet();
            using var serving = new ServingCount(primary);
            var run = LoadRunner.Start(new LoadTest
            {
                Url = primary.Url,
                Load = [Load.KeepConstant(mode == ConnectionMode.KeepAlive ? 50 : 16, TimeSpan.FromSeconds(30))],
                Connection = mode,
                AttributeBy = "X-Worker-Pid",
            });
            await Task.Delay(700);

            var first = await primary.RollingRestartAsync().WaitAsync(Programs.Timeout);
            var afterFirst = primary.Workers.Values.Select(w => w.Pid).ToHashSet();
            var second = await primary.RollingRestartAsync().WaitAsync(Programs.Timeout);
            await Task.Delay(500);
            run.Cancel(); // stop sending; what is in flight still counts
            var result = await run.Completion.WaitAsync(Programs.Timeout);

            Assert.Equal(0, result.Failed);
            Assert.True(result.Ok > 500, result.ToString());
            Assert.Equal(2, first.Replaced.Count);
            Assert.Equal(2, second.Replaced.Count);
            Assert.Empty(original.Intersect(afterFirst));
            Assert.Empty(afterFirst.Intersect(primary.Workers.Values.Select(w => w.Pid)));
            Assert.All(first.Replaced.Concat(second.Replaced), step => Assert.True(step.Old.ExitedAfterDisconnect && step.Old.IsDead));
            Assert.Equal(2, serving.Min); // never fewer than two serving
            Assert.InRange(serving.Max, 2, 3); // one replacement at a time
            Assert.Equal(2, primary.Workers.Count);
            // Old and new workers all served (the load saw every generation).
            Assert.True(result.ByAttribution.Count >= 5, string.Join(", ", result.ByAttribution));
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_second_trigger_during_a_rolling_restart_joins_it()
    {
        var primary = await ClusterPrimary.StartAsync(Programs.Settings(workers: 2)).WaitAsync(Programs.Timeout);
        try
        {
            var forks = 0;
            primary.Forked += _ => Interlocked.Increment(ref forks);

            var first = primary.RollingRestartAsync();
            var second = primary.RollingRestartAsync();
            var result = await first.WaitAsync(Programs.Timeout);

            Assert.Same(first, second);
            Assert.Equal(1, result.Coalesced);
            Assert.Equal(2, forks);
            Assert.Equal(2, primary.Workers.Count);
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_replacement_that_fails_to_start_stops_the_restart_and_the_old_workers_keep_serving()
    {
        var required = Path.GetTempFileName();
        var primary = await ClusterPrimary.StartAsync(Programs.Settings(workers: 2, SchedulingPolicy.RoundRobin, "--require-file", required)).WaitAsync(Programs.Timeout);
        try
        {
            var before = primary.Workers.Values.Select(w => w.Pid).Order().ToList();
            File.Delete(required); // a bad deploy: the new workers cannot start

            var e = await Assert.ThrowsAsync<ClusterException>(() => primary.RollingRestartAsync().WaitAsync(Programs.Timeout));

            Assert.Contains("Rolling restart stopped", e.Message);
            Assert.Contains("0 of 2 workers were replaced", e.Message);
            Assert.Contains("is missing", e.Message); // the replacement's own last words
            Assert.Equal(before, primary.Workers.Values.Select(w => w.Pid).Order());
            var result = await Programs.RequestsAsync(primary.Url, count: 20);
            Assert.Equal(20, result.Ok);
            Assert.Equal(before.Select(p => p.ToString()).Order(), result.ByAttribution.Keys.Order());
        }
        finally
        {
            await primary.DisposeAsync();
            File.Delete(required);
        }
    }

    [Fact]
    public async Task A_drain_answers_an_idle_keep_alive_client_with_a_clean_close_not_a_reset()
    {
        var primary = await ClusterPrimary.StartAsync(Programs.Settings(workers: 1)).WaitAsync(Programs.Timeout);
        try
        {
            var worker = primary.Workers[1];
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, primary.Port);
            var stream = client.GetStream();
            await stream.WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
            var buffer = new byte[4096];
            Assert.Contains("200 OK", System.Text.Encoding.ASCII.GetString(buffer, 0, await stream.ReadAsync(buffer)));

            var clock = System.Diagnostics.Stopwatch.StartNew();
            worker.Disconnect(); // the connection stays idle

            Assert.Equal(0, await stream.ReadAsync(buffer).AsTask().WaitAsync(Programs.Timeout)); // FIN: a clean end of stream, no exception
            Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 5);
            Assert.Equal(new ChildExit(0, null), await worker.Exited.WaitAsync(Programs.Timeout));
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_worker_stuck_in_a_long_request_is_killed_when_the_drain_times_out()
    {
        var primary = await ClusterPrimary.StartAsync(Programs.Settings(workers: 1) with { DisconnectTimeout = TimeSpan.FromSeconds(1) }).WaitAsync(Programs.Timeout);
        try
        {
            var worker = primary.Workers[1];
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, primary.Port);
            var stream = client.GetStream();
            await stream.WriteAsync("GET /slow?ms=60000 HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
            await Task.Delay(300);
            var clock = System.Diagnostics.Stopwatch.StartNew();

            worker.Disconnect();
            var exit = await worker.Exited.WaitAsync(Programs.Timeout);

            Assert.Equal(new ChildExit(null, "SIGKILL"), exit);
            Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 3);
            // The client learns at once that no answer comes: its connection ends.
            var read = await ReadOrError(stream).WaitAsync(TimeSpan.FromSeconds(5));
            Assert.True(read is 0 or -1, $"read {read} bytes");
            Assert.Equal(1, worker.LostConnections);
            Assert.Empty(primary.Workers); // a planned stop: not restarted
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    /// <summary>Bytes read, 0 at end of stream, -1 when the connection was reset.</summary>
    private static async Task<int> ReadOrError(Stream stream)
    {
        try
        {
            return await stream.ReadAsync(new byte[4096]);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    /// <summary>Samples how many workers serve (listening, not stopping), every few milliseconds.</summary>
    private sealed class ServingCount : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _sampling;

        public ServingCount(ClusterPrimary primary)
        {
            Min = int.MaxValue;
            _sampling = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var count = primary.Workers.Values.Count(w => w.IsListening && !w.ExitedAfterDisconnect && !w.IsDead);
                    Min = Math.Min(Min, count);
                    Max = Math.Max(Max, count);
                    await Task.Delay(5);
                }
            });
        }

        public int Min { get; private set; }

        public int Max { get; private set; }

        public void Dispose()
        {
            _stop.Cancel();
            _sampling.Wait();
        }
    }
}
