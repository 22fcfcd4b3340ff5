// Our own, on HttpClient: a session load is a few lines per virtual user (log in, then pages), and what it counts
// (lost sessions, another user's page) is no load tool's metric; a load tool's scenario DSL would hide both.
using System.Diagnostics;

namespace Workbook.LoadTesting;

/// <summary>
/// A session run in progress: <see cref="SessionLoadTest.Clients"/> virtual users, each logging in and requesting
/// pages one at a time. It is bounded by <see cref="SessionLoadTest.Duration"/> (and <see cref="SessionLoadTest.MaxSessions"/>);
/// requests in flight at the time bound get <see cref="EndGrace"/>, then are abandoned and counted as unfinished.
/// When <see cref="Completion"/> completes, no request, connection or handler of the run is left.
/// </summary>
public sealed class SessionLoadRun
{
    /// <summary>How long requests in flight at the end of the time bound may still finish (as <see cref="LoadRun.EndGrace"/>).</summary>
    public static TimeSpan EndGrace => LoadRun.EndGrace;

    private readonly SessionRecorder _recorder;
    private readonly CancellationTokenSource _stopIssuing = new();
    private readonly CancellationTokenSource _abandon = new();
    private readonly CancellationTokenRegistration _external;
    private long _loginsStarted;
    private int _stoppedBy = -1; // a StopReason once stopped: the first reason given wins

    internal SessionLoadRun(SessionLoadTest test, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(test);
        test.Validate();
        Test = test;
        _recorder = new SessionRecorder(Stopwatch.GetTimestamp());
        _external = cancellationToken.Register(Cancel);
        Completion = Task.Run(RunAsync);
    }

    public SessionLoadTest Test { get; }

    /// <summary>Completes with the result when the run has ended.</summary>
    public Task<SessionLoadResult> Completion { get; }

    /// <summary>Counts so far, for a live view.</summary>
    public SessionLoadProgress Progress => _recorder.Progress(Test.Duration);

    /// <summary>Marks something that happened now on the run's timeline (e.g. "worker 3 killed").</summary>
    public void Mark(string text) => _recorder.Mark(text);

    /// <summary>Ends the run now; requests in flight are abandoned.</summary>
    public void Cancel()
    {
        Stop(StopReason.Cancelled);
        _abandon.Cancel();
    }

    /// <summary>No more requests are to be sent.</summary>
    internal bool Stopping => _stopIssuing.IsCancellationRequested;

    /// <summary>Cancelled when no more requests are to be sent.</summary>
    internal CancellationToken StoppingToken => _stopIssuing.Token;

    /// <summary>Requests in flight are being given up (the grace is over, or the run was cancelled).</summary>
    internal bool Abandoning => _abandon.IsCancellationRequested;

    internal CancellationToken Abandon => _abandon.Token;

    /// <summary>Counts a login about to be sent against the bounds; false when the user should stop.</summary>
    internal bool TryStartLogin() =>
        !Stopping && (Test.MaxSessions is not long max || Interlocked.Increment(ref _loginsStarted) <= max);

    private async Task<SessionLoadResult> RunAsync()
    {
        var target = Test.Target();
        var users = Enumerable.Range(0, Test.Clients).Select(i => new VirtualUser(i, this, _recorder, target)).ToList();
        try
        {
            var running = Task.WhenAll(users.Select(user => Task.Run(user.RunAsync)));

            // Users end on their own only when MaxSessions is reached; otherwise the time bound (or Cancel) ends the run.
            var first = await Task.WhenAny(running, Task.Delay(Test.Duration, _stopIssuing.Token)).ConfigureAwait(false);
            Stop(first == running ? StopReason.SessionCount : StopReason.Time);
            var stoppedBy = (StopReason)Volatile.Read(ref _stoppedBy);
            var offeredFor = stoppedBy == StopReason.Time ? Test.Duration : _recorder.Elapsed;

            if (await Task.WhenAny(running, Task.Delay(EndGrace, _abandon.Token)).ConfigureAwait(false) != running)
                _abandon.Cancel();
            await running.ConfigureAwait(false);
            return _recorder.Result(Test, offeredFor, stoppedBy);
        }
        finally
        {
            foreach (var user in users) user.Dispose();
            _external.Dispose();
        }
    }

    /// <summary>
    /// Ends the run early, as its time bound would: no new request is sent, and those in flight may finish (up to
    /// <see cref="EndGrace"/>). For a run that should last as long as something else does, e.g. a rolling restart.
    /// </summary>
    public void Stop() => Stop(StopReason.Stopped);

    /// <summary>Stops issuing requests; the first reason given is the one reported.</summary>
    private void Stop(StopReason why)
    {
        Interlocked.CompareExchange(ref _stoppedBy, (int)why, -1);
        _stopIssuing.Cancel();
    }
}
