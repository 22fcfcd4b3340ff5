using System.Diagnostics;
using Workbook.LoadTesting;

namespace Workbook.Cluster.Tests;

/// <summary>
/// The round-robin hand-off limit: a fixed one is checked by the crash tests (RestartTests); here the adaptive one,
/// first against the two kinds of worker it tells apart (the samples a real worker gives, modelled), then live.
/// </summary>
[Collection(LoadCollection.Name)]
public class HandOffLimitTests
{
    [Fact]
    public void A_cpu_bound_worker_is_held_to_about_what_it_runs_at_once()
    {
        // One core's worth: n connections held take n times as long as one (3 ms each), with up to 30 % noise.
        var worker = new ModelWorker();
        var random = new Random(1);
        var seen = new List<int>();
        for (int i = 0; i < 5000; i++)
        {
            var held = worker.Limit.Current;
            worker.Answered(held * 3 * (1 + 0.3 * random.NextDouble()), held);
            if (i >= 1000) seen.Add(worker.Limit.Current);
        }
        Assert.InRange(seen.Max(), 1, 3);
    }

    [Fact]
    public void A_worker_that_waits_on_io_gets_as_many_as_its_clients_send()
    {
        // 20 ms of waiting whatever it holds, fired anywhere from 17 to 25 ms (a busy machine's timers).
        var worker = new ModelWorker();
        var random = new Random(2);
        while (worker.Limit.Current < 200 && worker.Elapsed < TimeSpan.FromSeconds(10))
            worker.Answered(17 + 8 * random.NextDouble(), worker.Limit.Current);
        Assert.True(worker.Limit.Current >= 200, $"limit {worker.Limit.Current} after {worker.Elapsed}");
        Assert.True(worker.Elapsed < TimeSpan.FromSeconds(1), $"{worker.Elapsed} to reach 200"); // it ramps quickly
        // And stays there under 200 clients, through the probes for the time without a queue (one every 5 s).
        var low = int.MaxValue;
        for (int i = 0; i < 150_000; i++)
        {
            worker.Answered(17 + 8 * random.NextDouble(), Math.Min(200, worker.Limit.Current));
            if (worker.Limit.Current > 1) low = Math.Min(low, worker.Limit.Current);
        }
        Assert.True(worker.Elapsed > TimeSpan.FromSeconds(10), $"{worker.Elapsed}");
        Assert.True(low >= 200, $"fell to {low}");
    }

    [Fact]
    public void A_worker_answering_in_microseconds_is_not_held_back()
    {
        // Hello world: 50 µs alone, and scheduling noise of up to a millisecond that is not a queue worth holding.
        var worker = new ModelWorker();
        var random = new Random(3);
        for (int i = 0; i < 50_000; i++) worker.Answered(0.05 + 0.9 * random.NextDouble(), worker.Limit.Current);
        Assert.True(worker.Limit.Current >= 32, $"limit {worker.Limit.Current}");
    }

    [Fact]
    public void A_light_load_that_leaves_the_limit_unused_does_not_move_it()
    {
        var worker = new ModelWorker();
        var before = worker.Limit.Current;
        for (int i = 0; i < 500; i++) worker.Answered(20, held: 1);
        Assert.Equal(before, worker.Limit.Current);
    }

    [Fact]
    public void Quick_requests_beside_slow_ones_that_wait_on_io_do_not_bring_the_limit_down()
    {
        // A health check answered in 0.1 ms beside requests awaiting 20 ms: the quick ones say nothing about a queue.
        var worker = new ModelWorker();
        var random = new Random(4);
        while (worker.Limit.Current < 150 && worker.Elapsed < TimeSpan.FromSeconds(10))
            worker.Answered(random.Next(2) == 0 ? 0.1 : 17 + 8 * random.NextDouble(), Math.Min(200, worker.Limit.Current));
        Assert.True(worker.Limit.Current >= 150, $"limit {worker.Limit.Current} after {worker.Elapsed}");
    }

    [Fact]
    public void When_the_work_turns_cpu_bound_the_limit_comes_down()
    {
        var worker = new ModelWorker();
        for (int i = 0; i < 2000; i++) worker.Answered(20, worker.Limit.Current);
        Assert.True(worker.Limit.Current > 100, $"limit {worker.Limit.Current}");
        for (int i = 0; i < 5000; i++) worker.Answered(worker.Limit.Current * 3, worker.Limit.Current);
        Assert.InRange(worker.Limit.Current, 1, 3);
    }

    /// <summary>A worker as its limit sees it: each answer took some time, with so many held; time moves on by the rate.</summary>
    private sealed class ModelWorker
    {
        private long _now;

        public ModelWorker() => Limit = new AdaptiveLimit(() => _now);

        public AdaptiveLimit Limit { get; }

        public TimeSpan Elapsed => TimeSpan.FromSeconds((double)_now / Stopwatch.Frequency);

        public void Answered(double ms, int held)
        {
            var ticks = (long)(ms * Stopwatch.Frequency / 1000);
            _now += ticks / Math.Max(1, held); // held at once, they settle this often
            Limit.Sample(ticks, held);
        }
    }

    [Fact]
    public void A_fixed_limit_must_be_at_least_one()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => HandOffLimit.Fixed(0));
        Assert.Equal("connections", e.ParamName);
        HandOffLimit three = 3;
        Assert.Equal(3, three.Connections);
        Assert.Equal("adaptive", HandOffLimit.Adaptive.ToString());
        Assert.True(new ClusterSettings().HandOffLimit!.IsAdaptive);
    }

    [Fact]
    public async Task Live_the_limit_stays_small_for_the_notes_cpu_bound_server_and_grows_for_one_that_waits()
    {
        // The notes' server: a 1e7 loop per request. 40 clients, a new connection each time.
        var cpu = await LimitsUnderLoadAsync(["--work", "10000000"], "/", clients: 40);
        Assert.All(cpu, l => Assert.InRange(l, 1, 8)); // a fixed limit would hold 32 each, all lost in a crash
        // A handler awaiting 20 ms: 120 clients need about 60 per worker.
        var io = await LimitsUnderLoadAsync(["--work", "0"], "/slow?ms=20", clients: 120);
        Assert.All(io, l => Assert.True(l >= 30, $"limits {string.Join(", ", io)}"));
    }

    [Fact]
    public async Task A_worker_that_replaces_a_crashed_one_starts_from_its_predecessors_limit()
    {
        // The notes' server under load: the limit comes down from 16; a replacement starts where it stood, so a crash
        // early in the new worker's life cannot cost 16 again.
        var primary = await ClusterPrimary.StartAsync(Programs.Settings(workers: 2) with { Args = ["--work", "10000000"] }).WaitAsync(Programs.Timeout);
        try
        {
            var run = LoadRunner.Start(new LoadTest
            {
                Url = primary.Url, Load = [Load.KeepConstant(40, TimeSpan.FromSeconds(6))], Connection = ConnectionMode.NewPerRequest,
            });
            await Task.Delay(3000);
            var replaced = new TaskCompletionSource<int?>();
            primary.Listening += (worker, _) => replaced.TrySetResult(primary.HandOffLimitOf(worker));
            primary.Workers[1].Process.Kill("SIGKILL");
            var first = await replaced.Task.WaitAsync(Programs.Timeout);
            await run.Completion.WaitAsync(Programs.Timeout);
            Assert.InRange(first ?? -1, 1, 8);
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    private static async Task<List<int>> LimitsUnderLoadAsync(string[] args, string path, int clients)
    {
        var settings = Programs.Settings(workers: 2) with { Args = args };
        var primary = await ClusterPrimary.StartAsync(settings).WaitAsync(Programs.Timeout);
        try
        {
            var run = LoadRunner.Start(new LoadTest
            {
                Url = new Uri(primary.Url, path),
                Load = [Load.KeepConstant(clients, TimeSpan.FromSeconds(4))],
                Connection = ConnectionMode.NewPerRequest,
            });
            await Task.Delay(3000); // past warm-up, under full load
            var limits = primary.Workers.Values.Select(w => primary.HandOffLimitOf(w) ?? -1).ToList();
            var result = await run.Completion.WaitAsync(Programs.Timeout);
            Assert.Equal(0, result.Failed);
            return limits;
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }
}
