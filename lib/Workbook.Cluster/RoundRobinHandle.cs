using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Workbook.Cluster.Native;

namespace Workbook.Cluster;

/// <summary>
/// Node's round-robin handle: the primary owns the listening socket, accepts, and hands each connection to the
/// next worker that is listening, by passing its descriptor over that worker's hand-off socket. Connections
/// accepted while no worker can take one wait here.
/// </summary>
internal sealed class RoundRobinHandle : IDisposable
{
    private readonly Socket _listener;
    private readonly ILogger? _logger;
    private readonly object _gate = new();
    private readonly List<HandOff> _ready = [];
    private readonly Queue<Socket> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private int _next;

    public RoundRobinHandle(Socket listener, ILogger? logger)
    {
        _listener = listener;
        _logger = logger;
        // A thread of its own: accepting and handing over without hopping between pool threads keeps the cost
        // of a new connection low (it is paid on every request when clients do not keep connections alive).
        var acceptor = new Thread(AcceptLoop) { IsBackground = true, Name = "cluster accept" };
        acceptor.Start();
    }

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

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
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
            lock (_gate) _pending.Enqueue(connection);
            Distribute();
        }
    }

    private void Distribute()
    {
        while (true)
        {
            Socket connection;
            HandOff worker;
            lock (_gate)
            {
                if (_ready.Count == 0 || _pending.Count == 0) return;
                connection = _pending.Dequeue();
                worker = _ready[_next++ % _ready.Count];
            }
            worker.Enqueue(connection, onFailed: Requeue);
        }
    }

    /// <summary>A hand-off that failed (the worker died) puts the connection back for another worker.</summary>
    private void Requeue(HandOff failed, Socket connection)
    {
        Remove(failed);
        lock (_gate) _pending.Enqueue(connection);
        Distribute();
    }
}

/// <summary>
/// The primary's end of one worker's hand-off socket: a thread that sends queued connections in order and closes
/// the primary's copy once the worker has its own.
/// </summary>
internal sealed class HandOff : IDisposable
{
    private readonly int _socket;
    private readonly BlockingCollection<(Socket Connection, Action<HandOff, Socket> OnFailed)> _queue = new();
    private readonly string _name;
    private readonly object _sendGate = new();
    private bool _socketClosed; // under _sendGate
    private int _closed;

    private HandOff(int socket, string name)
    {
        _socket = socket;
        _name = name;
        var sender = new Thread(Send) { IsBackground = true, Name = $"hand-off to {name}" };
        sender.Start();
    }

    /// <summary>How many connections were handed over successfully.</summary>
    public long HandedOver;

    /// <summary>A socket pair: the primary's end, and the worker's end (to inherit as fd 4; the caller closes it after the fork).</summary>
    public static unsafe (HandOff Primary, int WorkerEnd) Create(string name)
    {
        int* fds = stackalloc int[2];
        if (FdPassing.socketpair(FdPassing.AF_UNIX, FdPassing.SOCK_SEQPACKET | FdPassing.SOCK_CLOEXEC, 0, fds) != 0)
            throw new ClusterException($"socketpair for the hand-off to {name} failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}.");
        return (new HandOff(fds[0], name), fds[1]);
    }

    public void Enqueue(Socket connection, Action<HandOff, Socket> onFailed)
    {
        // Fast path: nothing queued, so send right here without waiting; the queue thread takes the rest.
        if (_queue.Count == 0 && Volatile.Read(ref _closed) == 0)
        {
            lock (_sendGate)
            {
                if (!_socketClosed && Volatile.Read(ref _closed) == 0 && _queue.Count == 0 && FdPassing.Send(_socket, (int)connection.SafeHandle.DangerousGetHandle(), ConnectionTag, wait: false) == 0)
                {
                    Interlocked.Increment(ref HandedOver);
                    connection.Dispose();
                    return;
                }
            }
        }
        try
        {
            _queue.Add((connection, onFailed));
        }
        catch (InvalidOperationException)
        {
            onFailed(this, connection); // closed: give it to someone else
        }
    }

    /// <summary>Tag of a message that carries a connection.</summary>
    public const byte ConnectionTag = 1;

    /// <summary>Tag of the last message: no more connections will come (the worker may finish draining).</summary>
    public const byte EndTag = 0;

    /// <summary>No more connections: what is queued is still sent, then the end marker.</summary>
    public void Finish() => Dispose();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        _queue.CompleteAdding();
    }

    private void Send()
    {
        bool failed = false;
        foreach (var (connection, onFailed) in _queue.GetConsumingEnumerable())
        {
            int errno;
            lock (_sendGate) errno = FdPassing.Send(_socket, (int)connection.SafeHandle.DangerousGetHandle(), ConnectionTag);
            if (errno == 0)
            {
                Interlocked.Increment(ref HandedOver);
                connection.Dispose(); // the worker has its own descriptor for it now
                continue;
            }
            // EPIPE/ECONNRESET: the worker is gone. This and every queued connection go to the others.
            failed = true;
            Dispose();
            onFailed(this, connection);
            while (_queue.TryTake(out var rest)) rest.OnFailed(this, rest.Connection);
            break;
        }
        lock (_sendGate)
        {
            if (!failed) FdPassing.Send(_socket, -1, EndTag);
            FdPassing.close(_socket);
            _socketClosed = true;
        }
    }

    public override string ToString() => $"hand-off to {_name}";
}
