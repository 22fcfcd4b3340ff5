namespace Workbook.LoadTesting;

/// <summary>Starts session load runs (see <see cref="SessionLoadTest"/>).</summary>
public static class SessionLoadRunner
{
    /// <summary>Starts a run and returns at once; await <see cref="SessionLoadRun.Completion"/> for the result.</summary>
    /// <exception cref="ArgumentException">The test is invalid: a remote URL, no clients, a source address not on this machine…</exception>
    public static SessionLoadRun Start(SessionLoadTest test, CancellationToken cancellationToken = default) => new(test, cancellationToken);

    /// <summary>Runs a session load test to the end.</summary>
    /// <exception cref="ArgumentException">The test is invalid (thrown at once, not from the task).</exception>
    public static Task<SessionLoadResult> RunAsync(SessionLoadTest test, CancellationToken cancellationToken = default) =>
        Start(test, cancellationToken).Completion;
}
