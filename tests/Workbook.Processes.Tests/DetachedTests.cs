using Workbook.Testing;

namespace Workbook.Processes.Tests;

public class DetachedTests
{
    [Fact]
    public async Task A_detached_child_leads_its_own_session_and_process_group()
    {
        var child = ChildProcess.Spawn("sleep", ["30"], new SpawnOptions { Detached = true, Stdio = StdioMode.Ignore });
        try
        {
            var stat = File.ReadAllText($"/proc/{child.Pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            Assert.Equal(child.Pid.ToString(), fields[2]); // process group
            Assert.Equal(child.Pid.ToString(), fields[3]); // session
        }
        finally
        {
            await child.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_detached_unrefd_child_outlives_the_parent_that_started_it()
    {
        var sleeper = await SleeperLeftBy("detached", "unref");
        try
        {
            Assert.NotNull(ProcessTree.Find(sleeper));
        }
        finally
        {
            System.Diagnostics.Process.GetProcessById(sleeper).Kill();
            Assert.True(await Workbook.Testing.ProcessTree.GoneWithin(sleeper, TimeSpan.FromSeconds(5)));
        }
    }

    [Fact]
    public async Task A_child_that_was_not_unrefd_is_ended_when_its_parent_exits()
    {
        var sleeper = await SleeperLeftBy("attached", "ref");
        Assert.True(await Workbook.Testing.ProcessTree.GoneWithin(sleeper, TimeSpan.FromSeconds(5)), "the sleeper outlived its parent");
    }

    /// <summary>Runs a parent process that starts `sleep 30` and exits; returns the sleeper's pid.</summary>
    private static async Task<int> SleeperLeftBy(string detached, string unref)
    {
        var parent = ChildProcess.Spawn("dotnet", [Run.Dummy, "spawn-sleeper", detached, unref]);
        var (stdout, stderr, exit) = await Run.ToEnd(parent);
        Assert.True(exit.Success, stderr);
        return int.Parse(stdout.Trim().Split(' ')[1]);
    }
}
