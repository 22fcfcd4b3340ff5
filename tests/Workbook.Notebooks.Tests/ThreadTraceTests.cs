using System.Diagnostics;
using Workbook.Notebooks;

namespace Workbook.Notebooks.Tests;

public class ThreadTraceTests
{
    [Fact]
    public async Task A_thread_that_computes_then_sleeps_is_split_into_computing_waiting_and_idle()
    {
        using var go = new ManualResetEventSlim();
        using var done = new ManualResetEventSlim();
        DateTimeOffset computedFrom = default, computedUntil = default;
        var worker = new Thread(() =>
        {
            go.Wait();
            computedFrom = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            ulong sum = 0;
            while (clock.Elapsed < TimeSpan.FromMilliseconds(400)) sum++;
            computedUntil = DateTimeOffset.UtcNow;
            done.Set();
            Thread.Sleep(600);
            GC.KeepAlive(sum);
        })
        { Name = "trace-test" };
        worker.Start();
        using var trace = ThreadTrace.Start(Environment.ProcessId, "trace-test");
        var start = DateTimeOffset.UtcNow;
        await Task.Delay(200);   // idle: the thread waits for the go
        go.Set();
        done.Wait();
        await Task.Delay(400);   // idle again: it sleeps
        var all = trace.Between(start, DateTimeOffset.UtcNow);
        worker.Join();

        // A spinning thread is on a core or waiting for one for the whole time it spins, and idle otherwise.
        var spun = computedUntil - computedFrom;
        Assert.InRange((all.Running + all.WaitingForCore).TotalMilliseconds, spun.TotalMilliseconds * 0.8, spun.TotalMilliseconds * 1.2 + 20);
        Assert.InRange(all.Idle.TotalMilliseconds, (all.Window - spun).TotalMilliseconds * 0.8 - 20, (all.Window - spun).TotalMilliseconds * 1.2);
        Assert.Equal(1.0, all.RunningShare + all.WaitingShare + all.IdleShare, 2);
        Assert.Matches(@"^computing \d+ ?%, waiting for a core \d+ ?%, idle \d+ ?% of [\d.]+ s$", all.ToString());

        // It went on computing for the spin after the go, to within a sampling interval or two.
        Assert.InRange(trace.BusyAfter(computedFrom).TotalMilliseconds, spun.TotalMilliseconds - 100, spun.TotalMilliseconds + 150);
        Assert.Equal(TimeSpan.Zero, trace.BusyAfter(computedUntil.AddMilliseconds(150)));
    }

    [Fact]
    public void A_missing_thread_and_a_stretch_before_the_trace_are_clear_errors()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ThreadTrace.Start(Environment.ProcessId, "no-such-thread"));
        Assert.Contains("has no thread named 'no-such-thread'", e.Message);
        // The main thread carries the process's own name.
        using var trace = ThreadTrace.Start(Environment.ProcessId, File.ReadAllText($"/proc/{Environment.ProcessId}/comm").TrimEnd('\n'));
        Assert.Throws<ArgumentException>(() => trace.Between(DateTimeOffset.UtcNow.AddSeconds(-10), DateTimeOffset.UtcNow));
    }
}
