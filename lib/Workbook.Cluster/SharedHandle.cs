using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Workbook.Processes;

namespace Workbook.Cluster;

/// <summary>
/// Node's shared handle (SCHED_NONE): the primary binds and listens, every worker inherits that one socket and
/// accepts from it, and the kernel wakes whichever waits. The primary decides nothing after the fork: a worker
/// that drains stops accepting by itself, and what a dead worker had accepted died with it.
/// </summary>
internal sealed class SharedHandle : ISchedulingHandle
{
    private readonly Socket _listener;

    public SharedHandle(IPEndPoint endpoint, ClusterSettings settings, ILogger? logger)
    {
        _listener = SharedPort.Listen(endpoint, settings, logger);
        Port = SharedPort.PortOf(_listener);
    }

    public int Port { get; }

    public long Sticky => 0;

    public long Rerouted => 0;

    public int? HandOffLimitOf(int workerId) => null;

    public ChildProcess Fork(int workerId, int place, Func<IReadOnlyList<(int Fd, int As)>, ChildProcess> fork) =>
        fork([((int)_listener.SafeHandle.DangerousGetHandle(), Cluster.WorkerSocketFd)]);

    public void Add(int workerId)
    {
    }

    public void Remove(int workerId)
    {
    }

    public (int Rescued, int Lost) Exited(int workerId) => (0, 0);

    public bool Close()
    {
        _listener.Dispose();
        return true;
    }
}
