using Workbook.Notebooks;

namespace Workbook.Notebooks.Tests;

public class ParentDeathTests
{
    [Fact]
    public async Task A_child_that_outlives_its_killed_parent_is_reported_and_then_ended()
    {
        // The shell forks a sleep that knows nothing of its parent: it outlives it.
        var run = await ParentDeath.KillParentAsync("sh → sleep", "sh", ["-c", "sleep 30 & echo \"parent $$ forked child $!\"; wait"],
            TimeSpan.FromMilliseconds(200), limit: TimeSpan.FromSeconds(1));
        Assert.Null(run.ChildGoneAfter);
        Assert.Contains($"its child {run.ChildPid} was still running 1 s later (killed now)", run.ToString());
        Assert.True(await ProcessInfo.WaitUntilGoneAsync(run.ChildPid, TimeSpan.FromSeconds(10)), "the child was ended");
    }

    [Fact]
    public async Task A_child_that_leaves_with_its_parent_is_timed_and_its_error_line_kept()
    {
        // The child watches its parent and leaves, with a word on stderr, once the parent is gone.
        const string script = "p=$$; sh -c \"while kill -0 $p 2>/dev/null; do sleep 0.05; done; echo 'Error [GONE]: parent left' >&2\" & " +
                              "echo \"parent $$ forked child $!\"; wait";
        var run = await ParentDeath.KillParentAsync("sh → watcher", "sh", ["-c", script], TimeSpan.FromMilliseconds(200));
        Assert.NotNull(run.ChildGoneAfter);
        Assert.Equal("Error [GONE]: parent left", run.ChildError);
        Assert.Matches(@"was gone [\d,]+ ms later, after printing: Error \[GONE\]: parent left$", run.ToString());
    }

    [Fact]
    public async Task A_parent_that_never_names_its_child_is_a_clear_error()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ParentDeath.KillParentAsync("silent", "sh", ["-c", "echo hello"], TimeSpan.Zero));
        Assert.Contains("never said 'parent P forked child C'", e.Message);
    }
}
