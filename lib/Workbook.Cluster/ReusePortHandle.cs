using System.Net;
using Workbook.Processes;

namespace Workbook.Cluster;

/// <summary>
/// Reuse-port (not in Node's cluster): each worker binds the port itself with SO_REUSEPORT and the kernel spreads
/// connections over them by a hash. The primary only checks once that the port is free (and picks one, for port 0);
/// it holds no socket, so there is nothing to hand over, rescue or close.
/// </summary>
internal sealed class ReusePortHandle : ISchedulingHandle
{
    public ReusePortHandle(IPEndPoint endpoint, ClusterSettings settings)
    {
        using var check = SharedPort.Bind(endpoint, settings);
        Port = SharedPort.PortOf(check);
    }

    public int Port { get; }

    public long Sticky => 0;

    public long Rerouted => 0;

    public int? HandOffLimitOf(int workerId) => null;

    public ChildProcess Fork(int workerId, int place, Func<IReadOnlyList<(int Fd, int As)>, ChildProcess> fork) => fork([]);

    public void Add(int workerId)
    {
    }

    public void Remove(int workerId)
    {
    }

    public (int Rescued, int Lost) Exited(int workerId) => (0, 0);

    public bool Close() => false;
}
