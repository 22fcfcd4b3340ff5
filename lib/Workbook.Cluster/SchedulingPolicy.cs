namespace Workbook.Cluster;

/// <summary>How the workers share the primary's port (Node's <c>cluster.schedulingPolicy</c>, plus reuse-port).</summary>
public enum SchedulingPolicy
{
    /// <summary>
    /// Node's SCHED_RR, the default: the primary accepts every connection and hands it to the next worker.
    /// Balance is exact, and the primary decides where each connection goes.
    /// </summary>
    RoundRobin,

    /// <summary>Each worker binds the port itself with SO_REUSEPORT; the kernel spreads connections by a hash.</summary>
    ReusePort,

    /// <summary>Node's SCHED_NONE: the workers inherit one listening socket and race to accept from it.</summary>
    Shared,
}
