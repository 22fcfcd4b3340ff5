using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Workbook.Cluster.AspNetCore;

/// <summary>
/// A worker's open connections and the work in progress: what a drain and an exit between requests wait for.
/// Work in progress ("busy"): requests being answered, and connections not answered once yet (Kestrel may be
/// reading their first request before any middleware sees it).
/// </summary>
internal sealed class WorkerState
{
    private readonly ConcurrentDictionary<string, TrackedConnection> _connections = new();
    private readonly object _gate = new();
    private int _busy;
    private TaskCompletionSource _idle = Completed();
    private TaskCompletionSource _notBusy = Completed();

    /// <summary>Once true, every response carries <c>Connection: close</c>, so keep-alive clients move on.</summary>
    public bool Draining { get; private set; }

    public int OpenConnections => _connections.Count;

    public void StartDraining() => Draining = true;

    /// <summary>The key under which an accepted connection's Items hold what to do once it is answered (an <see cref="Action"/>).</summary>
    public const string AnsweredKey = "workbook.cluster.answered";

    /// <summary>
    /// A listener accepted <paramref name="connection"/>: busy from this moment, since the transport starts reading
    /// it before Kestrel's pipeline gets to it (later still when every thread is busy). <paramref name="settle"/>
    /// runs once it was answered or closed.
    /// </summary>
    public void Accepted(ConnectionContext connection, Action? settle)
    {
        Busy();
        connection.Items[AnsweredKey] = () =>
        {
            settle?.Invoke();
            NotBusy();
        };
    }

    /// <summary>Kestrel's pipeline runs the connection (after <see cref="Accepted"/>).</summary>
    public TrackedConnection Opened(ConnectionContext connection)
    {
        if (!connection.Items.TryGetValue(AnsweredKey, out var answered) || answered is not Action action)
        {
            Accepted(connection, settle: null);
            action = (Action)connection.Items[AnsweredKey]!;
        }
        var tracked = new TrackedConnection(connection, action);
        // The transport fires this once it has sent everything and closed the socket.
        connection.ConnectionClosed.Register(tracked.Settle);
        lock (_gate)
        {
            if (_connections.IsEmpty) _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _connections[connection.ConnectionId] = tracked;
            _sweep ??= new Timer(_ => SettleDelivered(), null, SettleAfter, SettleAfter);
        }
        return tracked;
    }

    /// <summary>
    /// A keep-alive connection counts as delivered this long after its first response was handed to the transport,
    /// if the client has not come back with a request or closed it before. Handed over is not sent: the transport
    /// writes a moment later, and a crash in between loses the response.
    /// </summary>
    internal static readonly TimeSpan SettleAfter = TimeSpan.FromMilliseconds(100);

    private Timer? _sweep;

    private void SettleDelivered()
    {
        foreach (var connection in _connections.Values) connection.SettleIfAnsweredFor(SettleAfter);
    }

    public void Closed(TrackedConnection tracked)
    {
        lock (_gate)
        {
            _connections.TryRemove(tracked.Connection.ConnectionId, out _);
            if (_connections.IsEmpty) _idle.TrySetResult();
        }
    }

    /// <summary>A request began on the connection with this id (null when it is not one of ours).</summary>
    public TrackedConnection? RequestStarted(string connectionId)
    {
        Busy();
        if (!_connections.TryGetValue(connectionId, out var tracked)) return null;
        tracked.RequestStarted();
        return tracked;
    }

    /// <summary>The response was sent completely.</summary>
    public void RequestCompleted(TrackedConnection? tracked)
    {
        tracked?.RequestCompleted();
        NotBusy();
    }

    /// <summary>Completes when no connection is open.</summary>
    public Task WhenIdle
    {
        get { lock (_gate) return _idle.Task; }
    }

    /// <summary>Completes when no request is in progress and every connection was answered at least once.</summary>
    public Task WhenNotBusy
    {
        get { lock (_gate) return _notBusy.Task; }
    }

    private void Busy()
    {
        lock (_gate)
        {
            if (_busy++ == 0) _notBusy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private void NotBusy()
    {
        lock (_gate)
        {
            if (--_busy == 0) _notBusy.TrySetResult();
        }
    }

    /// <summary>Connections with no request in progress for at least <paramref name="idleFor"/>.</summary>
    public IEnumerable<TrackedConnection> IdleConnections(TimeSpan idleFor) => _connections.Values.Where(c => c.IdleFor >= idleFor);

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }
}
