using System.Diagnostics;
using Workbook.Processes;

namespace Workbook.Notebooks.Tests;

public class ProcessInfoTests
{
    [Fact]
    public void This_process_is_read_from_proc_with_its_parent_and_its_cpu_time_grows_with_work()
    {
        var me = ProcessInfo.Of(Environment.ProcessId)!;
        Assert.Equal(Environment.ProcessId, me.Pid);
        Assert.True(me.ParentPid > 0);
        Assert.NotNull(ProcessInfo.Of(me.ParentPid));

        // Work until the reading has grown by 100 ms of CPU; however busy the machine, that comes (a bound ends it).
        var before = ProcessCpu.Of(Environment.ProcessId);
        var clock = Stopwatch.StartNew();
        ulong sum = 0;
        while (ProcessCpu.Of(Environment.ProcessId) - before < TimeSpan.FromMilliseconds(100) && clock.Elapsed < TimeSpan.FromSeconds(60))
            for (int i = 0; i < 1_000_000; i++) sum += (ulong)i;
        Assert.True(ProcessCpu.Of(Environment.ProcessId) - before >= TimeSpan.FromMilliseconds(100), $"sum {sum}");
        Assert.True(ProcessCpu.Of(Environment.ProcessId) - before < clock.Elapsed * Environment.ProcessorCount + TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task A_detached_child_leads_its_own_session_and_a_process_that_is_gone_reads_as_null()
    {
        var sleeper = ChildProcess.Spawn("sleep", ["30"], new SpawnOptions { Detached = true, Stdio = StdioMode.Ignore });
        try
        {
            var info = ProcessInfo.Of(sleeper.Pid!.Value)!;
            Assert.True(info.LeadsOwnSession);
            Assert.Equal(Environment.ProcessId, info.ParentPid);
            Assert.Equal("sleep", info.Command);
            Assert.Contains($"process {info.Pid} (sleep)", info.ToString());
            Assert.Contains("(its own)", info.ToString());
        }
        finally
        {
            sleeper.Kill("SIGKILL");
        }
        var pid = sleeper.Pid!.Value;
        Assert.True(await ProcessInfo.WaitUntilGoneAsync(pid));
        await sleeper.Exited.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(ProcessInfo.Of(pid));
        Assert.Throws<InvalidOperationException>(() => ProcessCpu.Of(pid));
    }

    [Fact]
    public void The_cpu_time_of_a_named_thread_is_read_and_a_missing_name_is_a_clear_error()
    {
        var worker = new Thread(() =>
        {
            var clock = Stopwatch.StartNew();
            while (ProcessCpu.OfThread(Environment.ProcessId, "cpu-test-spin") < TimeSpan.FromMilliseconds(60) && clock.Elapsed < TimeSpan.FromSeconds(60)) { }
        })
        { Name = "cpu-test-spin" };
        worker.Start();
        worker.Join();
        var e = Assert.Throws<InvalidOperationException>(() => ProcessCpu.OfThread(Environment.ProcessId, "no-such-thread"));
        Assert.Contains("has no thread named 'no-such-thread'", e.Message);
    }

    [Fact]
    public async Task Waiting_for_an_idle_process_returns_at_once_and_for_a_busy_one_after_its_work()
    {
        var idle = ChildProcess.Spawn("sleep", ["30"]);
        // About a second of CPU on a quiet machine (longer on a busy one), then asleep.
        var busy = ChildProcess.Spawn("sh", ["-c", "i=0; while [ $i -lt 1500000 ]; do i=$((i+1)); done; exec sleep 30"]);
        try
        {
            var busyFor = await ProcessCpu.WaitUntilIdleAsync(busy.Pid!.Value, TimeSpan.FromSeconds(60));
            Assert.True(busyFor > TimeSpan.Zero, $"{busyFor}");
            Assert.Equal(TimeSpan.Zero, await ProcessCpu.WaitUntilIdleAsync(idle.Pid!.Value));
        }
        finally
        {
            await idle.DisposeAsync();
            await busy.DisposeAsync();
        }
    }
}
