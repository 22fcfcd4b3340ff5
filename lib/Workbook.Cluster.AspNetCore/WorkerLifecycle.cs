using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Workbook.Cluster.AspNetCore;

/// <summary>Tells the primary "listening" once Kestrel listens, and drains when the primary asks this worker to disconnect.</summary>
internal sealed class WorkerLifecycle(
    ClusterChild child,
    WorkerState state,
    ClusterListenerFactory listeners,
    IHostApplicationLifetime lifetime,
    ILogger<WorkerLifecycle> logger) : IHostedService
{
    private int _draining;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(child.ReportListening);
        child.DisconnectRequested.Register(() => _ = DrainAsync());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// A keep-alive connection with no request for this long is closed by the drain; one in use gets
    /// <c>Connection: close</c> on its next response instead. Closing a connection whose client is just sending
    /// is the race a drain avoids, so only connections quiet for a while are closed.
    /// </summary>
    internal static readonly TimeSpan IdleBeforeClose = TimeSpan.FromSeconds(1);

    private async Task DrainAsync()
    {
        if (Interlocked.Exchange(ref _draining, 1) != 0) return;
        state.StartDraining();
        logger.LogInformation("worker {Id} draining ({Open} connections open)", child.Id, state.OpenConnections);
        // The primary kills this worker after its DisconnectTimeout; this deadline only matters when it cannot.
        var deadline = Task.Delay(child.DrainTimeout + TimeSpan.FromSeconds(1));
        await Task.WhenAny(listeners.StopAcceptingAsync(), deadline);
        while (!deadline.IsCompleted && state.OpenConnections > 0)
        {
            foreach (var quiet in state.IdleConnections(IdleBeforeClose)) quiet.RequestClose();
            await Task.WhenAny(state.WhenIdle, deadline, Task.Delay(100));
        }
        logger.LogInformation("worker {Id} drained ({Open} connections still open); stopping", child.Id, state.OpenConnections);
        lifetime.StopApplication();
    }
}
