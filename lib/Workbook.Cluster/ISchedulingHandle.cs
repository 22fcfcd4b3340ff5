using Workbook.Processes;

namespace Workbook.Cluster;

/// <summary>
/// How the workers share the port, one type per <see cref="SchedulingPolicy"/> (Node's round_robin_handle.js and
/// shared_handle.js, plus reuse-port): each owns its state, so the primary never asks which policy it runs. A handle
/// is the port while it is open: the primary creates one when a worker is about to need the port and closes it when
/// the last worker is gone. Each worker, by its id, goes through the verbs in order: <see cref="Fork"/>,
/// <see cref="Add"/> once it listens, <see cref="Remove"/> when it is to take no new connections, and
/// <see cref="Exited"/> when it is gone.
/// </summary>
internal interface ISchedulingHandle
{
    /// <summary>The port the workers share (the one the system chose when the settings asked for 0).</summary>
    int Port { get; }

    /// <summary>Under <see cref="ClusterSettings.SessionAffinity"/>: connections that went to their client's worker; 0 otherwise.</summary>
    long Sticky { get; }

    /// <summary>Under <see cref="ClusterSettings.SessionAffinity"/>: connections whose client's worker was gone, routed elsewhere; 0 otherwise.</summary>
    long Rerouted { get; }

    /// <summary>Round-robin: how many unanswered connections the worker may hold now (<see cref="ClusterSettings.HandOffLimit"/>); null without a limit.</summary>
    int? HandOffLimitOf(int workerId);

    /// <summary>
    /// Starts a worker with <paramref name="fork"/>, passing what it inherits under this policy (a descriptor at
    /// <see cref="Cluster.WorkerSocketFd"/>, or nothing); a worker that did not start is forgotten at once.
    /// </summary>
    ChildProcess Fork(int workerId, int place, Func<IReadOnlyList<(int Fd, int As)>, ChildProcess> fork);

    /// <summary>The worker listens: it takes its share of new connections from now on.</summary>
    void Add(int workerId);

    /// <summary>The worker is to take no new connections (it drains, or is stopped); what it has keeps going.</summary>
    void Remove(int workerId);

    /// <summary>
    /// The worker is gone: connections routed to it that it never read go to the others; returns how many were
    /// rescued that way and how many it had begun and left unfinished (lost).
    /// </summary>
    (int Rescued, int Lost) Exited(int workerId);

    /// <summary>
    /// No worker is left and none is coming: closes the port, so clients are refused at once. False when there is
    /// nothing to close (the workers held the port themselves), and the handle stays as it is.
    /// </summary>
    bool Close();
}
