using System.Text;
using System.Text.RegularExpressions;
using Workbook.Processes;

namespace Workbook.Notebooks;

/// <summary>
/// What becomes of a forked child when its parent dies without a word: a parent program that forks a child and says
/// so on its first line (<c>parent P forked child C</c>) is killed with SIGKILL, and the child is timed until it is
/// gone. The child's stderr (it inherits the parent's) says why it ended, if it says anything.
/// </summary>
public sealed partial record ParentDeath(string Label, int ParentPid, int ChildPid, TimeSpan KilledAfter, TimeSpan? ChildGoneAfter, TimeSpan Limit, string ChildStderr)
{
    /// <summary>
    /// Starts <paramref name="command"/> with <paramref name="args"/>, waits for it to name its child, kills it
    /// <paramref name="killAfter"/> after its start, and waits up to <paramref name="limit"/> (default 10 s) for the
    /// child to be gone; a child still running then is killed too, so nothing is left behind.
    /// </summary>
    /// <exception cref="InvalidOperationException">The parent never said which child it forked.</exception>
    public static async Task<ParentDeath> KillParentAsync(string label, string command, IReadOnlyList<string> args, TimeSpan killAfter, TimeSpan? limit = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var parent = ChildProcess.Spawn(command, args);
        var stdout = new StringBuilder();
        var named = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        parent.Stdout!.Data += text =>
        {
            lock (stdout) stdout.Append(text);
            var match = Forked().Match(stdout.ToString());
            if (match.Success) named.TrySetResult(match);
        };
        var stderr = parent.Stderr!.ReadToEndAsync();
        try
        {
            // It names its child, or ends (its output all read) without doing so, or takes too long.
            await Task.WhenAny(named.Task, parent.Closed, Task.Delay(TimeSpan.FromSeconds(30))).ConfigureAwait(false);
            if (!named.Task.IsCompleted)
                throw new InvalidOperationException($"{label}: the parent never said 'parent P forked child C'. It printed:\n{stdout}");
            var said = await named.Task.ConfigureAwait(false);
            var (parentPid, childPid) = (int.Parse(said.Groups[1].Value), int.Parse(said.Groups[2].Value));
            if (clock.Elapsed < killAfter) await Task.Delay(killAfter - clock.Elapsed).ConfigureAwait(false);
            var killedAt = clock.Elapsed;
            parent.Kill("SIGKILL");
            await parent.Exited.ConfigureAwait(false);
            var died = clock.Elapsed;
            var bound = limit ?? TimeSpan.FromSeconds(10);
            var gone = await ProcessInfo.WaitUntilGoneAsync(childPid, bound).ConfigureAwait(false);
            var goneAfter = clock.Elapsed - died;
            if (!gone) ProcessInfo.KillQuietly(childPid);
            var childStderr = await stderr.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            return new ParentDeath(label, parentPid, childPid, killedAt, gone ? goneAfter : null, bound, childStderr);
        }
        finally
        {
            await parent.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The first line of the child's stderr that names an error, e.g. Node's "Error [ERR_IPC_CHANNEL_CLOSED]: Channel closed".</summary>
    public string? ChildError => ChildStderr.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("Error", StringComparison.Ordinal));

    /// <inheritdoc />
    public override string ToString() =>
        $"{Label}: parent {ParentPid} killed (SIGKILL) {KilledAfter.TotalSeconds:0.0} s after its start; its child {ChildPid} " +
        (ChildGoneAfter is TimeSpan after ? $"was gone {after.TotalMilliseconds:N0} ms later" : $"was still running {Limit.TotalSeconds:0} s later (killed now)") +
        (ChildError is string error ? $", after printing: {error}" : ", and printed nothing on stderr");

    [GeneratedRegex(@"parent (\d+) forked child (\d+)")]
    private static partial Regex Forked();
}
