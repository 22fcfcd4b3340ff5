using System.Net.Sockets;

namespace Workbook.Cluster;

/// <summary>Chooses a new connection's worker for <see cref="SessionAffinity"/>; hands it back to the round-robin handle.</summary>
internal abstract class AffinityRouter : IDisposable
{
    /// <summary>Routes the accepted connection, now or later: always ends in <see cref="RoundRobinHandle.Dispatch"/>.</summary>
    public abstract void Route(Socket connection);

    public virtual void Dispose()
    {
    }
}
