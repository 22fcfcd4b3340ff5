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
    public async Task Waiting_for_an_idle_process_returns_at_once_and_for_a_busy_one_after_its_work()
    {
        var idle = ChildProcess.Spawn("sleep", ["30"]);
        var busy = ChildProcess.Spawn("sh", ["-c", "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done; exec sleep 30"]);
        try
        {
            Assert.Equal(TimeSpan.Zero, await ProcessCpu.WaitUntilIdleAsync(idle.Pid!.Value));
            var busyFor = await ProcessCpu.WaitUntilIdleAsync(busy.Pid!.Value, TimeSpan.FromSeconds(60));
            Assert.True(busyFor > TimeSpan.Zero, $"{busyFor}");
        }
        finally
        {
            await idle.DisposeAsync();
            await busy.DisposeAsync();
        }
    }
}
