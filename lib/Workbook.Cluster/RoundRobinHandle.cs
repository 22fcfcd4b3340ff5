using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Workbook.Cluster;

/// <summary>
/// Node's round-robin handle: the primary owns the listening socket, accepts, and hands each connection to the
/// next worker that is listening and has room, by passing its descriptor over that worker's hand-off socket.
/// "Room": fewer than <see cref="ClusterSettings.HandOffLimit"/> connections handed over and not yet settled
/// (answered once, or closed). Connections that find no room wait here, and survive a worker's crash.
/// </summary>
internal sealed class RoundRobinHandle : IDisposable
{
    private readonly Socket _listener;
    private readonly ILogger? _logger;
    private readonly int? _limit;
    private readonly object _gate = new();
    private readonly List<HandOff> _ready = [];
    private readonly Queue<Socket> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly AffinityRouter? _affinity;
    private int _next;
    private long _sticky, _rerouted;

    public RoundRobinHandle(Socket listener, ClusterSettings settings, Func<int> places, ILogger? logger)
    {
        _listener = listener;
        _limit = settings.HandOffLimit;
        _logger = logger;
        _affinity = settings.SessionAffinity switch
        {
            SessionAffinity.ClientIp => new ClientIpRouter(this, places),
            SessionAffinity.Cookie => new CookieRouter(this, settings.AffinityCookieName, settings.AffinityReadTimeout, logger),
            _ => null,
        };
        // A thread of its own: accepting and handing over without hopping between pool threads keeps the cost
        // of a new connection low (it is paid on every request when clients do not keep connections alive).
        var acceptor = new Thread(AcceptLoop) { IsBackground = true, Name = "cluster accept" };
        acceptor.Start();
    }

    /// <summary>Connections accepted and waiting for a worker with room.</summary>
    public int Pending
    {
        get { lock (_gate) return _pending.Count; }
    }

    /// <summary>Connections that went to the worker their client had (by IP or cookie).</summary>
    public long Sticky => Interlocked.Read(ref _sticky);

    /// <summary>Connections whose client had a worker that no longer takes connections: they went round-robin.</summary>
    public long Rerouted => Interlocked.Read(ref _rerouted);

    /// <summary>A worker now listens: it takes its turn from the next connection on.</summary>
    public void Add(HandOff worker)
    {
        lock (_gate) _ready.Add(worker);
        Distribute();
    }

    /// <summary>The worker takes no new connections (it disconnects or died).</summary>
    public void Remove(HandOff worker)
    {
        lock (_gate) _ready.Remove(worker);
    }

    /// <summary>Connections rescued from a dead worker go to the front of the queue: their clients have waited longest.</summary>
    public void Requeue(IEnumerable<Socket> connections)
    {
        lock (_gate)
        {
            // Checked under the lock Dispose empties the queue under: nothing is queued after it did.
            if (_stop.IsCancellationRequested)
            {
                foreach (var c in connections) c.Dispose();
                return;
            }
            var rest = _pending.ToList();
            _pending.Clear();
            foreach (var c in connections.Concat(rest)) _pending.Enqueue(c);
        }
        Distribute();
    }

    public void Dispose()
    {
        lock (_gate) _stop.Cancel();
        _listener.Dispose();
        _affinity?.Dispose();
        lock (_gate)
        {
            while (_pending.TryDequeue(out var socket)) socket.Dispose();
        }
    }

    private void AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = _listener.Accept();
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                if (e is SocketException se && !_stop.IsCancellationRequested && se.SocketErrorCode != SocketError.OperationAborted)
                {
                    _logger?.LogWarning("accept failed: {Error}", se.Message);
                    continue;
                }
                return;
            }
            if (_affinity is not null)
            {
                _affinity.Route(connection);
                continue;
            }
            Dispatch(connection, preferred: null);
        }
    }

    /// <summary>
    /// Routes a new connection. Without <paramref name="preferred"/>: round-robin. With it (sticky routing): to the
    /// listening worker that matches, at once — its hand-off limit does not apply, the client belongs there; when
    /// none matches (the client's worker is gone), to the worker <paramref name="spread"/> picks among those
    /// listening (so an IP keeps one worker while its own is missing), or else round-robin.
    /// </summary>
    public void Dispatch(Socket connection, Func<HandOff, bool>? preferred, uint? spread = null)
    {
        HandOff? target = null;
        lock (_gate)
        {
            if (_stop.IsCancellationRequested)
            {
                connection.Dispose();
                return;
            }
            if (preferred is not null)
            {
                target = _ready.Find(h => preferred(h));
                if (target is not null) _sticky++;
                else
                {
                    _rerouted++;
                    if (spread is uint key && _ready.Count > 0) target = _ready.OrderBy(h => h.Place).ElementAt((int)(key % (uint)_ready.Count));
                }
                target?.Reserve();
            }
            if (target is null) _pending.Enqueue(connection);
        }
        if (target is not null) target.Enqueue(connection, onFailed: Failed);
        else Distribute();
    }

    /// <summary>Hands waiting connections to workers in turn, skipping those without room.</summary>
    public void Distribute()
    {
        while (true)
        {
            Socket connection;
            HandOff? worker = null;
            lock (_gate)
            {
                if (_ready.Count == 0 || _pending.Count == 0) return;
                for (int tried = 0; tried < _ready.Count && worker is null; tried++)
                {
                    var candidate = _ready[_next++ % _ready.Count];
                    if (_limit is not int limit || candidate.Unsettled < limit) worker = candidate;
                }
                if (worker is null) return; // every worker is full: the connection waits for one to settle
                connection = _pending.Dequeue();
                worker.Reserve(); // counted at once, so two threads distributing cannot both fill the last place
            }
            worker.Enqueue(connection, onFailed: Failed);
        }
    }

    /// <summary>A hand-off that failed (the worker died) puts the connection back for another worker.</summary>
    private void Failed(HandOff failed, Socket connection)
    {
        Remove(failed);
        Requeue([connection]);
    }
}
