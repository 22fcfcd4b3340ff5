using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Workbook.Cluster.Native;
using Workbook.Processes.Native;

namespace Workbook.Cluster;

/// <summary>
/// The primary's end of one worker's hand-off socket. Messages: to the worker, [1, id] with a connection's
/// descriptor, or [0] for "no more"; from the worker, [2, id] when that connection has settled (answered once,
/// or closed). The primary keeps its own copy of each connection until it settles: if the worker dies first and
/// the request was never read, the connection is still whole and another worker can serve it.
/// </summary>
internal sealed class HandOff : IDisposable
{
    public const byte EndTag = 0;
    public const byte ConnectionTag = 1;
    public const byte SettledTag = 2;
    public const int MessageLength = 5;

    private readonly int _socket;
    private readonly string _name;
    private readonly Action _onSettled;
    private readonly BlockingCollection<(Socket Connection, Action<HandOff, Socket> OnFailed)> _queue = new();
    private readonly object _sendGate = new();
    private readonly Dictionary<uint, (Socket Connection, long SentAt)> _unsettled = [];
    private readonly int? _fixedLimit;
    private readonly AdaptiveLimit? _adaptiveLimit;
    private int _reserved; // under lock of _unsettled: assigned here, not yet sent
    private uint _nextId;
    private bool _socketClosed; // under _sendGate
    private readonly Thread _sender;
    private readonly Thread _reader;
    private int _closed;
    private long _handedOver;

    private HandOff(int socket, string name, int workerId, int place, HandOffLimit? limit, int? startAt, Action onSettled)
    {
        _fixedLimit = limit?.Connections;
        _adaptiveLimit = limit is { IsAdaptive: true } ? new AdaptiveLimit(initial: startAt ?? AdaptiveLimit.Initial) : null;
        _socket = socket;
        _name = name;
        WorkerId = workerId;
        Place = place;
        _onSettled = onSettled;
        _sender = new Thread(Send) { IsBackground = true, Name = $"hand-off to {name}" };
        _sender.Start();
        _reader = new Thread(ReadSettled) { IsBackground = true, Name = $"settled from {name}" };
        _reader.Start();
    }

    /// <summary>
    /// A socket pair: the primary's end, and the worker's end (to inherit as fd 4; the caller closes it after the
    /// fork). An adaptive limit starts at <paramref name="startAt"/> when given (where the worker's predecessor stood).
    /// </summary>
    public static unsafe (HandOff Primary, int WorkerEnd) Create(string name, int workerId, int place, HandOffLimit? limit, int? startAt, Action onSettled)
    {
        int* fds = stackalloc int[2];
        if (Libc.socketpair(Libc.AF_UNIX, FdPassing.SOCK_SEQPACKET | Libc.SOCK_CLOEXEC, 0, fds) != 0)
            throw new ClusterException($"socketpair for the hand-off to {name} failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}.");
        return (new HandOff(fds[0], name, workerId, place, limit, startAt, onSettled), fds[1]);
    }

    /// <summary>The worker's id (what its affinity cookie names).</summary>
    public int WorkerId { get; }

    /// <summary>The worker's place in the cluster (what a client IP hashes to).</summary>
    public int Place { get; }

    /// <summary>How many connections were handed over successfully.</summary>
    public long HandedOver => Interlocked.Read(ref _handedOver);

    /// <summary>How many it may hold unsettled now (<see cref="ClusterSettings.HandOffLimit"/>; no limit: <see cref="int.MaxValue"/>).</summary>
    public int Limit => _adaptiveLimit?.Current ?? _fixedLimit ?? int.MaxValue;

    /// <summary>An adaptive limit's value apart from its probes (what a replacement of this worker starts from); null otherwise.</summary>
    public int? LearntLimit => _adaptiveLimit?.Learnt;

    /// <summary>Connections handed over that have not settled yet.</summary>
    public int Unsettled
    {
        get { lock (_unsettled) return _unsettled.Count + _reserved; }
    }

    /// <summary>Counts a connection about to be enqueued here.</summary>
    public void Reserve()
    {
        lock (_unsettled) _reserved++;
    }

    public void Enqueue(Socket connection, Action<HandOff, Socket> onFailed)
    {
        // Fast path: nothing queued, so send right here without waiting; the queue thread takes the rest.
        if (_queue.Count == 0 && Volatile.Read(ref _closed) == 0)
        {
            lock (_sendGate)
            {
                if (!_socketClosed && Volatile.Read(ref _closed) == 0 && _queue.Count == 0 && TrySend(connection, wait: false) == 0) return;
            }
        }
        try
        {
            _queue.Add((connection, onFailed));
        }
        catch (InvalidOperationException)
        {
            onFailed(this, connection); // finished: give it to someone else
        }
    }

    /// <summary>True once it takes no more connections (<see cref="Finish"/>, or the worker is gone).</summary>
    public bool IsFinished => Volatile.Read(ref _closed) != 0;

    /// <summary>No more connections: what is queued is still sent, then the end marker.</summary>
    public void Finish() => Dispose();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        _queue.CompleteAdding();
    }

    /// <summary>
    /// After the worker died: the connections it never touched (it read nothing and wrote nothing; their request,
    /// if it came yet, still waits in the socket) are returned for another worker. Those it had answered and closed
    /// are not lost, even if the worker died before it said so (it settles a connection from a thread-pool callback,
    /// which lags behind a worker busy with CPU work). The others were lost with it and are closed. Returns the
    /// rescued ones.
    /// </summary>
    public List<Socket> Rescue(out int lost)
    {
        Dispose();
        // What the worker settled just before it died is still to be read: the reader ends at the socket's end.
        _reader.Join(TimeSpan.FromSeconds(2));
        List<Socket> held;
        lock (_unsettled)
        {
            held = [.. _unsettled.Values.Select(u => u.Connection)];
            _unsettled.Clear();
            _reserved = 0;
        }
        var rescued = new List<Socket>();
        lost = 0;
        foreach (var connection in held)
        {
            var state = StateOf(connection);
            if (state == HeldState.Untouched) rescued.Add(connection);
            else
            {
                if (state == HeldState.Lost) lost++;
                connection.Dispose();
            }
        }
        return rescued;
    }

    private enum HeldState { Untouched, Finished, Lost }

    /// <summary>
    /// From the socket's TCP_INFO. Untouched: no byte read or written — everything the client sent is still unread
    /// (bytes received equals FIONREAD) and nothing was sent back (bytes acked is 0); unread bytes alone are not
    /// enough, as a request that had not arrived yet when the worker died also leaves none. Finished: something was
    /// sent and acknowledged, and the connection is no longer established (the worker closed it after its answer,
    /// or the client closed it): its client is not waiting for anything. Lost: the rest — read and not answered,
    /// half answered, or a keep-alive connection the client may send its next request on.
    /// </summary>
    private static HeldState StateOf(Socket connection)
    {
        const int IPPROTO_TCP = 6, TCP_INFO = 11, BytesAcked = 120, BytesReceived = 128; // struct tcp_info, Linux 4.1+
        const byte Established = 1; // tcpi_state, the first byte
        Span<byte> info = stackalloc byte[256];
        try
        {
            if (connection.GetRawSocketOption(IPPROTO_TCP, TCP_INFO, info) < BytesReceived + 8) return HeldState.Lost;
            var acked = BinaryPrimitives.ReadUInt64LittleEndian(info[BytesAcked..]);
            if (acked == 0 && BinaryPrimitives.ReadUInt64LittleEndian(info[BytesReceived..]) == (ulong)connection.Available)
                return HeldState.Untouched;
            return acked > 0 && info[0] != Established ? HeldState.Finished : HeldState.Lost;
        }
        catch (SocketException)
        {
            return HeldState.Lost; // the client is gone already
        }
    }

    private int TrySend(Socket connection, bool wait)
    {
        uint id;
        lock (_unsettled)
        {
            if (_reserved > 0) _reserved--;
            id = ++_nextId;
            _unsettled[id] = (connection, System.Diagnostics.Stopwatch.GetTimestamp());
        }
        Span<byte> message = stackalloc byte[MessageLength];
        message[0] = ConnectionTag;
        BinaryPrimitives.WriteUInt32LittleEndian(message[1..], id);
        var errno = FdPassing.Send(_socket, (int)connection.SafeHandle.DangerousGetHandle(), message, wait);
        if (errno == 0)
        {
            Interlocked.Increment(ref _handedOver);
            return 0;
        }
        lock (_unsettled) _unsettled.Remove(id);
        return errno;
    }

    private void Send()
    {
        bool failed = false;
        foreach (var (connection, onFailed) in _queue.GetConsumingEnumerable())
        {
            int errno;
            lock (_sendGate) errno = _socketClosed ? 32 : TrySend(connection, wait: true);
            if (errno == 0) continue;
            // EPIPE/ECONNRESET: the worker is gone. This and every queued connection go to the others.
            failed = true;
            Dispose();
            onFailed(this, connection);
            while (_queue.TryTake(out var rest)) rest.OnFailed(this, rest.Connection);
            break;
        }
        lock (_sendGate)
        {
            if (!failed && !_socketClosed) FdPassing.Send(_socket, -1, [EndTag]);
        }
    }

    private void ReadSettled()
    {
        Span<byte> message = stackalloc byte[MessageLength];
        while (true)
        {
            var received = FdPassing.Receive(_socket, message);
            if (received.Closed) break;
            if (received.Fd >= 0) Libc.close(received.Fd); // a worker never sends descriptors back
            if (received.Length < MessageLength || message[0] != SettledTag) continue;
            var id = BinaryPrimitives.ReadUInt32LittleEndian(message[1..]);
            (Socket Connection, long SentAt) settled;
            int held;
            lock (_unsettled)
            {
                held = _unsettled.Count + _reserved;
                if (_unsettled.Remove(id, out settled) is false) continue;
            }
            _adaptiveLimit?.Sample(System.Diagnostics.Stopwatch.GetTimestamp() - settled.SentAt, held);
            settled.Connection.Dispose(); // the worker has it in hand; the primary's copy is not needed any more
            _onSettled();
        }
        // The worker is gone (or closed its end): nothing will settle any more. The socket is closed only once the
        // sender is done with it: its number could otherwise be reused by an accepted connection, and the end
        // marker sent into a client's stream.
        lock (_sendGate) _socketClosed = true;
        Dispose();
        _sender.Join();
        Libc.close(_socket);
    }

    public override string ToString() => $"hand-off to {_name}";
}
