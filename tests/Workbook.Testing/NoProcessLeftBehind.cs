using System.Runtime.InteropServices;
using Xunit;
using Xunit.Abstractions;

namespace Workbook.Testing;

/// <summary>
/// The suite-level check: after every other test of the assembly ran, no process started by them is still
/// running. The test host is made a child subreaper when the suite starts, so even a grandchild whose parent
/// died is re-parented here and found. Each test project derives one class from this, in <see cref="SuiteOrder.LastCollection"/>.
/// </summary>
public abstract class NoProcessLeftBehindCheck
{
    [Fact]
    public async Task No_process_started_by_the_tests_is_still_running()
    {
        var self = Environment.ProcessId;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        IReadOnlyList<ProcessInfo> left;
        // Processes that were just killed need a moment to be gone.
        while ((left = ProcessTree.LiveDescendants(self)).Count > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(100);

        foreach (var p in left) kill(p.Pid, 9); // fail, but do not leave them running either
        // Orphans adopted by this subreaper that already ended: collect them, or they pass to init as zombies.
        foreach (var zombie in ProcessTree.Zombies(self)) waitpid(zombie, out _, 1 /* WNOHANG */);
        Assert.True(left.Count == 0, "Processes outlived the tests:\n" + string.Join("\n", left));
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int waitpid(int pid, out int status, int options);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}

/// <summary>Runs the test collections in name order and the leftover-process check last.</summary>
public sealed class SuiteOrder : ITestCollectionOrderer
{
    public const string LastCollection = "zz: no process left behind";

    public SuiteOrder()
    {
        // xunit builds the orderer before the first test runs: the moment to set the suite up.
        // Become a subreaper, so orphans of the tests' children are re-parented here and found at the end.
        const int PR_SET_CHILD_SUBREAPER = 36;
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        // The test host blocks pool threads of its own while it starts; with one per core (2 here) a timer
        // continuation then waited up to a second (measured), which skews every test that measures time.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), io);
    }

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(c => c.DisplayName == LastCollection).ThenBy(c => c.DisplayName, StringComparer.Ordinal);

    [DllImport("libc", SetLastError = true)]
    private static extern int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
}
