using HdrHistogram;
using Workbook.Cluster;
using Workbook.LoadTesting;

namespace Workbook.Notebooks.Tests;

/// <summary>A cluster's events on a load run's timeline, and the sentences chapters 04 and 05 compute from runs.</summary>
public class ClusterMarksTests
{
    [Fact]
    public async Task A_crash_a_replacement_and_a_planned_exit_are_marked_and_counted()
    {
        var cluster = await ClusterPrimary.StartAsync(new ClusterSettings
        {
            Exec = Examples.Dll("Cluster"), Args = ["--work", "0"], Workers = 2, Port = 0, WorkerOutput = TextWriter.Null,
        });
        try
        {
            var run = LoadRunner.Start(new LoadTest { Url = cluster.Url, Load = [Load.KeepConstant(4, TimeSpan.FromSeconds(4))], Connection = ConnectionMode.NewPerRequest });
            var marks = ClusterMarks.On(run, cluster);
            await Task.Delay(500);
            cluster.Workers[1].Process.Kill("SIGKILL"); // a crash: the primary restarts it
            var replaced = new TaskCompletionSource();
            cluster.Listening += (w, _) => replaced.TrySetResult();
            await replaced.Task.WaitAsync(TimeSpan.FromSeconds(30));
            cluster.Workers[2].Kill(); // a planned stop: not restarted
            marks.Mark("done");
            var result = await run.Completion;

            Assert.Equal(["crash 1", "up 3", "exit 2"], result.Marks.Select(m => m.Text).Where(t => t != "done"));
            Assert.Contains(result.Marks, m => m.Text == "done");
            Assert.Equal((1, 1, 1), (marks.Crashes, marks.Exits, marks.Ups));
            Assert.Equal([1, 2], marks.ExitedWorkers.Select(w => w.Id));
            Assert.Equal(result.Failed, marks.Lost); // what the crashed worker held unanswered failed, nothing else
            Assert.Equal(1, marks.FewestServing); // one worker serving while the first was replaced, and after the second went
            Assert.Single(ClusterMarks.CrashToUp(result));
            Assert.InRange(ClusterMarks.CrashToUp(result)[0], TimeSpan.Zero, TimeSpan.FromSeconds(30));
            marks.Dispose();
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_notes_crash_lines_of_a_Node_cluster_become_marks()
    {
        var node = await NodeProgram.ClusterAsync(2, work: 0, notesRestartCode: true, crashAfterMaxMs: 1000);
        try
        {
            var run = LoadRunner.Start(new LoadTest { Url = node.Url, Load = [Load.KeepConstant(4, TimeSpan.FromSeconds(3))], Connection = ConnectionMode.NewPerRequest });
            var marks = ClusterMarks.On(run, node);
            var result = await run.Completion;

            Assert.True(marks.Crashes >= 2, node.Output()); // each worker dies within a second of its start
            Assert.Contains(result.Marks, m => m.Text.StartsWith("crash ") && int.TryParse(m.Text[6..], out _));
            Assert.Contains(result.Marks, m => m.Text == "up");
            Assert.Equal(-1, marks.FewestServing); // a Node program's workers cannot be watched
            Assert.NotEmpty(ClusterMarks.CrashToUp(result));
        }
        finally
        {
            await node.StopAsync();
        }
    }

    [Fact]
    public void Crash_to_up_pairs_each_crash_with_the_next_listening_worker_in_order()
    {
        var result = Result(ok: 10, failed: 0, unfinished: 0) with
        {
            Marks = [new(S(1), "crash 1"), new(S(1.5), "crash 2"), new(S(2), "up 3"), new(S(3), "up 4"), new(S(5), "crash 3")],
        };
        Assert.Equal([S(1), S(1.5)], ClusterMarks.CrashToUp(result));
    }

    [Fact]
    public void Each_restart_is_described_by_the_old_workers_that_exited_before_the_next_one_or_after_the_end()
    {
        var stalled = Result(ok: 10, failed: 0, unfinished: 0) with
        {
            Duration = S(10),
            Marks = [new(S(2), "restart 1"), new(S(2.0), "exit"), new(S(2.1), "up"), new(S(2.2), "exit"), new(S(2.3), "up"), new(S(2.4), "restart 2")],
        };
        Assert.Equal("restart 1: 2 of 2 old workers exited, the last 0.2 s after it; restart 2: 0 of 2 old workers exited in the 7.6 s the run went on",
            ClusterMarks.DescribeRestarts(stalled, workers: 2));

        // An exit marked just after the run's end still belongs to the last restart.
        var late = stalled with { Marks = [new(S(2), "restart 1"), new(S(8), "restart 2"), new(S(8.4), "exit 3"), new(S(10.02), "exit 4")] };
        Assert.Equal("restart 1: 0 of 2 old workers exited in the 6.0 s before the next; restart 2: 2 of 2 old workers exited, the last 2.0 s after it",
            ClusterMarks.DescribeRestarts(late, workers: 2));
    }

    [Fact]
    public void Cpu_of_one_busy_thread_is_one_threads_share_and_of_two_is_spread()
    {
        var one = Measure(threads: 1);
        var two = Measure(threads: 2);
        Assert.True(one.Cpu >= TimeSpan.FromMilliseconds(150), $"{one}");
        // The test host's own threads (JIT, GC, the runner) use some CPU meanwhile: the shares are compared, not exact.
        Assert.True(one.BusiestThreadShare > 0.6, $"{one}");
        Assert.True(two.BusiestThreadShare < 0.6, $"{two}");
        Assert.True(one.BusiestThreadShare > two.BusiestThreadShare + 0.2, $"{one} against {two}");
        Assert.Equal(one.Cpu / one.Wall, one.Cores, 6);
    }

    [Fact]
    public void Availability_counts_the_finished_and_says_the_unfinished_apart()
    {
        var r = Result(ok: 997, failed: 3, unfinished: 40);
        Assert.Equal(99.7, Availability.Percent(r), 6);
        Assert.Equal("3 failed of 1,000 finished — 99.700% answered; 40 unfinished (in flight when the run stopped: neither ok nor failed)", Availability.Describe(r));
        Assert.Equal(100, Availability.Percent(Result(ok: 0, failed: 0, unfinished: 5)));
    }

    [Fact]
    public void The_verdict_follows_the_threads_and_a_surprise_is_explained_by_the_cpu_each_got()
    {
        ServerRun Run(double rps, double cpuSeconds, double busiest, int processes = 1) =>
            new("x", Result(ok: (long)(rps * 10), failed: 0, unfinished: 0), 100, new CpuUse(TimeSpan.FromSeconds(cpuSeconds), TimeSpan.FromSeconds(10), 8, busiest), processes);

        var node = Run(300, 9.5, 0.98);
        Assert.True(ClusterScaling.ShouldHelp(node, cores: 2));
        Assert.Contains("it should help, up to ×2", ClusterScaling.Predict("Node", node, 2));
        Assert.Equal("measured: cluster ÷ one process = 1.80 — more, as predicted.", ClusterScaling.Outcome(node, Run(540, 18, 0.5, 2), 2));

        var kestrel = Run(600, 17, 0.25);
        Assert.False(ClusterScaling.ShouldHelp(kestrel, cores: 2));
        Assert.Contains("a cluster adds processes, not cores — it should not help", ClusterScaling.Predict("Kestrel", kestrel, 2));
        Assert.Equal("measured: cluster ÷ one process = 1.00 — about the same, as predicted.", ClusterScaling.Outcome(kestrel, Run(600, 17, 0.3, 2), 2));
        Assert.Equal("measured: cluster ÷ one process = 2.00 — more, against the prediction: from this busy machine the one process got 0.85 cores' worth " +
                     "of CPU time, the cluster 1.70 — the gap is in what each got, not in the cores each could use.", ClusterScaling.Outcome(Run(300, 8.5, 0.25), Run(600, 17, 0.3, 2), 2));
        Assert.StartsWith("measured: cluster ÷ one process = 4.00 — more than the cores explain (×2 at most): from this busy machine the one process got 0.20",
            ClusterScaling.Outcome(Run(60, 2, 0.97), Run(240, 8, 0.5, 2), 2));
        Assert.False(ClusterScaling.ShouldHelp(node, cores: 1));
    }

    private static CpuUse Measure(int threads)
    {
        var before = ProcessCpu.Sample([Environment.ProcessId]);
        using var done = new CountdownEvent(threads);
        using var release = new ManualResetEventSlim();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            ulong sum = 0;
            for (long i = 0; i < 1_500_000_000; i++) sum += (ulong)i; // a fixed amount of work per thread, however it is scheduled
            GC.KeepAlive(sum);
            done.Signal();
            release.Wait(); // alive until measured: an ended thread's own line in /proc is gone
        })).ToList();
        workers.ForEach(t => t.Start());
        done.Wait();
        var used = ProcessCpu.Since(before);
        release.Set();
        workers.ForEach(t => t.Join());
        return used;
    }

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    private static LoadResult Result(long ok, long failed, long unfinished) => new()
    {
        Label = "test", Url = new Uri("http://127.0.0.1:1/"), Profile = "test", Connection = ConnectionMode.NewPerRequest,
        Duration = TimeSpan.FromSeconds(10), StoppedBy = StopReason.Time, Requests = ok + failed + unfinished, Ok = ok, Unfinished = unfinished,
        Failures = new Dictionary<FailureReason, long> { [FailureReason.Reset] = failed }, StatusCodes = new Dictionary<int, long>(),
        Latency = new LatencySummary(1, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero),
        Timeline = [], ByAttribution = new Dictionary<string, long>(), Marks = [], LatencyHistogram = new LongHistogram(1_000_000, 3),
    };
}
