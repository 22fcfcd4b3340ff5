using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Workbook.Processes;
using Workbook.Processes.Native;

namespace Workbook.Cluster;

/// <summary>
/// Node's round-robin handle: the primary owns the listening socket, accepts, and hands each connection to the
/// next worker that is listening and has room, by passing its descriptor over that worker's <see cref="HandOff"/>.
/// "Room": fewer than <see cref="ClusterSettings.HandOffLimit"/> connections handed over and not yet settled
/// (answered once, or closed); each connection a worker settles lets the queue move on. Connections that find no
/// room wait here, and survive a worker's crash: those it never read go back to the front of the queue.
/// </summary>
internal sealed class RoundRobinHandle : ISchedulingHandle
{
    private readonly Socket _listener;
    private readonly ILogger? _logger;
    private readonly HandOffLimit? _limit;
    private readonly ConcurrentDictionary<int, HandOff> _handOffs = new(); // every worker's, from its fork until its exit
    private readonly ConcurrentDictionary<int, int> _lastLimits = new(); // by place: where the last worker's adaptive limit stood
    private readonly object _gate = new();
    private readonly List<HandOff> _ready = []; // listening and not removed: they take turns
    private readonly Queue<Socket> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly AffinityRouter? _affinity;
    private int _next;
    private long _sticky, _rerouted;

    public RoundRobinHandle(IPEndPoint endpoint, ClusterSettings settings, Func<int> places, ILogger? logger)
    {
        _listener = SharedPort.Listen(endpoint, settings, logger);
        Port = SharedPort.PortOf(_listener);
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

    public int Port { get; }

    /// <summary>Connections that went to the worker their client had (by IP or cookie).</summary>
    public long Sticky => Interlocked.Read(ref _sticky);

    /// <summary>Connections whose client had a worker that no longer takes connections: they went round-robin.</summary>
    public long Rerouted => Interlocked.Read(ref _rerouted);

    public int? HandOffLimitOf(int workerId) =>
        _handOffs.TryGetValue(workerId, out var handOff) && handOff.Limit != int.MaxValue ? handOff.Limit : null;

    /// <summary>The worker inherits its end of a new hand-off socket; the primary keeps the other.</summary>
    public ChildProcess Fork(int workerId, int place, Func<IReadOnlyList<(int Fd, int As)>, ChildProcess> fork)
    {
        int? startAt = _lastLimits.TryGetValue(place, out var last) ? last : null;
        var (handOff, workerEnd) = HandOff.Create($"worker {workerId}", workerId, place, _limit, startAt, onSettled: Distribute);
        ChildProcess process;
        try
        {
            process = fork([(workerEnd, Cluster.WorkerSocketFd)]);
        }
        catch
        {
            handOff.Dispose();
            throw;
        }
        finally
        {
            Libc.close(workerEnd);
        }
        if (process.Pid is null) handOff.Dispose();
        else _handOffs[workerId] = handOff;
        return process;
    }

    /// <summary>The worker now listens: it takes its turn from the next connection on (unless it was removed first).</summary>
    public void Add(int workerId)
    {
        if (!_handOffs.TryGetValue(workerId, out var handOff)) return;
        lock (_gate)
        {
            if (handOff.IsFinished || _ready.Contains(handOff)) return;
            _ready.Add(handOff);
        }
        Distribute();
    }

    /// <summary>The worker takes no new connections: what is queued for it is still sent, then the end marker.</summary>
    public void Remove(int workerId)
    {
        if (!_handOffs.TryGetValue(workerId, out var handOff)) return;
        lock (_gate)
        {
            _ready.Remove(handOff);
            handOff.Finish(); // under the lock Add checks it under: a worker removed before it listened never joins
        }
    }

    /// <summary>
    /// After the worker's exit, the connections handed to it and not settled: those it never read still hold their
    /// whole request and go to the other workers; the others were lost with it.
    /// </summary>
    public (int Rescued, int Lost) Exited(int workerId)
    {
        if (!_handOffs.TryRemove(workerId, out var handOff)) return (0, 0);
        if (handOff.LearntLimit is int learnt) _lastLimits[handOff.Place] = learnt;
        Unready(handOff);
        var rescued = handOff.Rescue(out var lost);
        Requeue(rescued);
        return (rescued.Count, lost);
    }

    /// <summary>Stops accepting, and closes the connections still waiting for a worker.</summary>
    public bool Close()
    {
        lock (_gate) _stop.Cancel();
        _listener.Dispose();
        _affinity?.Dispose();
        lock (_gate)
        {
            while (_pending.TryDequeue(out var socket)) socket.Dispose();
        }
        return true;
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
                    if (candidate.Unsettled < candidate.Limit) worker = candidate;
                }
                if (worker is null) return; // every worker is full: the connection waits for one to settle
                connection = _pending.Dequeue();
                worker.Reserve(); // counted at once, so two threads distributing cannot both take the last one its limit allows
            }
            worker.Enqueue(connection, onFailed: Failed);
        }
    }

    /// <summary>A hand-off that failed (the worker died) puts the connection back for another worker.</summary>
    private void Failed(HandOff failed, Socket connection)
    {
        Unready(failed);
        Requeue([connection]);
    }

    private void Unready(HandOff handOff)
    {
        lock (_gate) _ready.Remove(handOff);
    }

    /// <summary>Connections rescued from a dead worker go to the front of the queue: their clients have waited longest.</summary>
    private void Requeue(IEnumerable<Socket> connections)
    {
        lock (_gate)
        {
            // Checked under the lock Close empties the queue under: nothing is queued after it did.
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
}
