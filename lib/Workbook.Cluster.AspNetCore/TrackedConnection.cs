using System.Diagnostics;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Workbook.Cluster.AspNetCore;

/// <summary>One open connection: whether a request is in progress on it, and since when it has been quiet.</summary>
internal sealed class TrackedConnection(ConnectionContext connection, Action settle)
{
    private Action? _settle = settle;
    private int _inRequest;
    private long _lastActive = Stopwatch.GetTimestamp();
    private long _answeredAt;

    public ConnectionContext Connection { get; } = connection;

    /// <summary>How long it has had no request in progress (zero while it has one).</summary>
    public TimeSpan IdleFor => Volatile.Read(ref _inRequest) > 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastActive));

    public void RequestStarted()
    {
        Interlocked.Increment(ref _inRequest);
        Interlocked.Exchange(ref _lastActive, Stopwatch.GetTimestamp());
        if (Interlocked.Read(ref _answeredAt) != 0) Settle(); // the client came back: it has its first answer
    }

    public void RequestCompleted()
    {
        Interlocked.Exchange(ref _lastActive, Stopwatch.GetTimestamp());
        Interlocked.CompareExchange(ref _answeredAt, Stopwatch.GetTimestamp(), 0);
        Interlocked.Decrement(ref _inRequest);
    }

    /// <summary>Settles a connection whose first response was completed at least <paramref name="ago"/>.</summary>
    public void SettleIfAnsweredFor(TimeSpan ago)
    {
        var answeredAt = Interlocked.Read(ref _answeredAt);
        if (answeredAt != 0 && Stopwatch.GetElapsedTime(answeredAt) >= ago) Settle();
    }

    /// <summary>
    /// This connection's first answer reached the client (or it closed): tells the primary (round-robin) that it
    /// no longer counts against the hand-off limit, and that this worker is no longer busy with it; once.
    /// </summary>
    public void Settle() => Interlocked.Exchange(ref _settle, null)?.Invoke();

    /// <summary>Kestrel closes it: at once when idle (a clean FIN), else after the current response.</summary>
    public void RequestClose() => Connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
}
