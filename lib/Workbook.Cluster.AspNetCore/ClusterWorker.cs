using Microsoft.Extensions.Logging;

namespace Workbook.Cluster.AspNetCore;

/// <summary>
/// A worker's own handle on its place in the cluster, from the app's services
/// (<c>app.Services.GetService&lt;ClusterWorker&gt;()</c>; absent when the app does not run as a worker).
/// Its exits are crashes on purpose: the primary sees a non-zero code and restarts the worker.
/// </summary>
public sealed class ClusterWorker
{
    private readonly ClusterChild _child;
    private readonly WorkerState _state;
    private readonly ClusterListenerFactory _listeners;
    private readonly ILogger<ClusterWorker> _logger;

    internal ClusterWorker(ClusterChild child, WorkerState state, ClusterListenerFactory listeners, ILogger<ClusterWorker> logger)
    {
        _child = child;
        _state = state;
        _listeners = listeners;
        _logger = logger;
    }

    /// <summary>Node's <c>cluster.worker.id</c>.</summary>
    public int Id => _child.Id;

    /// <summary>
    /// Exits with <paramref name="exitCode"/> at the first moment no request is in progress — what
    /// <c>process.exit(1)</c> from a timer does in a Node worker, whose single thread runs timers only between
    /// requests. No new connections are taken meanwhile (round-robin: the primary gives them to other workers),
    /// requests in progress are answered (waiting at most the drain timeout), and then the process ends at once:
    /// idle keep-alive connections are cut, as they are in Node.
    /// </summary>
    public async Task ExitBetweenRequestsAsync(int exitCode)
    {
        _listeners.Refuse();
        await Task.WhenAny(_state.WhenNotBusy, Task.Delay(_child.DisconnectTimeout)).ConfigureAwait(false);
        _logger.LogWarning("worker {Id} exits with code {Code} between requests", Id, exitCode);
        _child.ExitNow(exitCode);
    }

    /// <summary>
    /// Exits with <paramref name="exitCode"/> now, in the middle of whatever requests are in progress: what a real
    /// crash does (an access violation, the OOM killer). Their connections are lost; under round-robin at most the
    /// worker's hand-off limit (<see cref="ClusterSettings.HandOffLimit"/>) of unanswered ones, and those never read
    /// are rescued by the primary.
    /// </summary>
    public void ExitNow(int exitCode)
    {
        _logger.LogWarning("worker {Id} exits with code {Code} now", Id, exitCode);
        _child.ExitNow(exitCode);
    }
}
