using System.Net;
using Microsoft.Extensions.Logging;

namespace Workbook.Cluster;

// The shared port: opened as the scheduling policy shares it, closed when the last worker is gone.
public sealed partial class ClusterPrimary
{
    private readonly object _portGate = new();
    private ISchedulingHandle? _handle; // the port while it is open, shared as the policy says
    private int _arriving; // workers being forked or waiting to be restarted: they will need the port

    /// <summary>
    /// Opens the shared port unless it is open, as the policy shares it: the primary's listening socket (round-robin,
    /// shared) or a check that it is free (reuse-port). Reopened after <see cref="ClosePortIfNoWorkerIsLeft"/>: the same port.
    /// </summary>
    private void OpenPort()
    {
        if (_handle is not null) return;
        var endpoint = new IPEndPoint(Settings.Address, Port != 0 ? Port : Settings.Port);
        _handle = Settings.SchedulingPolicy switch
        {
            SchedulingPolicy.RoundRobin => new RoundRobinHandle(endpoint, Settings, PlaceCount, _logger),
            SchedulingPolicy.Shared => new SharedHandle(endpoint, Settings, _logger),
            _ => new ReusePortHandle(endpoint, Settings),
        };
        Port = _handle.Port;
    }

    /// <summary>
    /// As Node does when its last worker is gone: the primary closes the port, so clients are refused at once
    /// instead of waiting for a worker that will not come. A later <see cref="Fork"/> opens it again.
    /// </summary>
    private void ClosePortIfNoWorkerIsLeft()
    {
        lock (_portGate)
        {
            if (_disposed != 0 || !_workers.IsEmpty || _arriving > 0 || _handle is null || !_handle.Close()) return;
            _handle = null;
        }
        _logger?.LogWarning("no worker is left and none is starting: port {Port} is closed, clients are refused", Port);
    }

    /// <summary>A disconnecting (or stopped) worker gets no new connections; what it has keeps going.</summary>
    internal void StopRouting(Worker worker) => _handle?.Remove(worker.Id);

    private int PlaceCount()
    {
        lock (_places) return _places.Count;
    }
}
