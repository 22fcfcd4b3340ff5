namespace Workbook.Processes.Tests;

public class KillTests
{
    [Theory]
    [InlineData("SIGTERM")]
    [InlineData("SIGKILL")]
    [InlineData("SIGINT")]
    [InlineData("SIGUSR2")]
    public async Task A_child_killed_by_a_signal_reports_the_signal_name_and_no_code(string signal)
    {
        var child = ChildProcess.Spawn("sleep", ["30"]);

        Assert.True(child.IsRunning);
        Assert.True(child.Kill(signal));
        var exit = await child.Exited.WaitAsync(Run.Timeout);

        Assert.Equal(new ChildExit(null, signal), exit);
        Assert.Equal(signal, child.SignalCode);
        Assert.Null(child.ExitCode);
        Assert.True(child.Killed);
    }

    [Fact]
    public async Task Exit_code_137_is_a_code_not_a_SIGKILL()
    {
        // System.Diagnostics.Process folds both into 137; Node, and we, keep them apart.
        var child = ChildProcess.Spawn("sh", ["-c", "exit 137"]);

        Assert.Equal(new ChildExit(137, null), await child.Exited.WaitAsync(Run.Timeout));
    }

    [Fact]
    public async Task Kill_defaults_to_SIGTERM_and_returns_false_once_the_child_is_gone()
    {
        var child = ChildProcess.Spawn("sleep", ["30"]);

        Assert.True(child.Kill());
        await child.Exited.WaitAsync(Run.Timeout);

        Assert.Equal("SIGTERM", child.SignalCode);
        Assert.False(child.Kill());
        Assert.False(child.Kill("SIGKILL"));
    }

    [Fact]
    public async Task An_unknown_signal_name_is_rejected_and_the_child_keeps_running()
    {
        var child = ChildProcess.Spawn("sleep", ["30"]);
        try
        {
            var error = Assert.Throws<ArgumentException>(() => child.Kill("SIGNOPE"));
            Assert.Contains("Unknown signal: 'SIGNOPE'", error.Message);
            Assert.True(child.IsRunning);
        }
        finally
        {
            await child.DisposeAsync();
        }
    }

    [Fact]
    public async Task Dispose_ends_a_running_child_and_its_pid_is_gone()
    {
        var child = ChildProcess.Spawn("sleep", ["30"]);
        var pid = child.Pid!.Value;

        await child.DisposeAsync();

        Assert.False(child.IsRunning);
        Assert.Equal("SIGTERM", child.SignalCode);
        Assert.Null(Workbook.Testing.ProcessTree.Find(pid));
    }

    [Fact]
    public async Task Dispose_escalates_to_SIGKILL_when_SIGTERM_is_ignored()
    {
        var child = ChildProcess.Spawn("sh", ["-c", "trap '' TERM; echo ready; while :; do sleep 0.1; done"]);
        var ready = new TaskCompletionSource();
        child.Stdout!.Data += d => { if (d.Contains("ready")) ready.TrySetResult(); };
        await ready.Task.WaitAsync(Run.Timeout);

        child.Dispose();

        Assert.Equal("SIGKILL", child.SignalCode);
    }

    [Fact]
    public void Signal_names_and_numbers_follow_linux()
    {
        Assert.Equal(15, Signals.ToNumber("SIGTERM"));
        Assert.Equal(15, Signals.ToNumber("term"));
        Assert.Equal(9, Signals.ToNumber("SIGKILL"));
        Assert.Equal(12, Signals.ToNumber("SIGUSR2"));
        Assert.Equal("SIGINT", Signals.ToName(2));
        Assert.Equal("SIGRT0", Signals.ToName(34));
        Assert.Throws<ArgumentException>(() => Signals.ToNumber("SIGFOO"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Signals.ToName(0));
    }
}
