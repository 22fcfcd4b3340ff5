using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Workbook.Processes.Native;

namespace Workbook.Cluster;

/// <summary>
/// By cookie: one thread watches new connections until their request headers have arrived, reads them with
/// MSG_PEEK (the bytes stay in the socket for the worker), and routes by the affinity cookie's worker id.
/// Connections whose headers do not come within the timeout, or do not fit in 8 KiB, go round-robin.
/// </summary>
internal sealed class CookieRouter : AffinityRouter
{
    private const int MaxHead = 8192;
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMilliseconds(5);

    private readonly RoundRobinHandle _handle;
    private readonly string _cookie;
    private readonly TimeSpan _timeout;
    private readonly ILogger? _logger;
    private readonly Queue<Socket> _arrived = new();
    private readonly Socket _wakeRead;
    private readonly Socket _wakeWrite;
    private bool _stopped; // under lock of _arrived (read without it only as a hint)
    private bool _watching = true; // under lock of _arrived

    public unsafe CookieRouter(RoundRobinHandle handle, string cookie, TimeSpan timeout, ILogger? logger)
    {
        _handle = handle;
        _cookie = cookie;
        _timeout = timeout;
        _logger = logger;
        // A socket pair wakes the watching thread from Select when a connection arrives.
        int* fds = stackalloc int[2];
        if (Libc.socketpair(Libc.AF_UNIX, Native.FdPassing.SOCK_SEQPACKET | Libc.SOCK_CLOEXEC, 0, fds) != 0)
            throw new ClusterException("socketpair for the cookie router failed.");
        _wakeRead = new Socket(new SafeSocketHandle(fds[0], ownsHandle: true));
        _wakeWrite = new Socket(new SafeSocketHandle(fds[1], ownsHandle: true));
        new Thread(Watch) { IsBackground = true, Name = "cluster affinity cookie" }.Start();
    }

    public override void Route(Socket connection)
    {
        lock (_arrived)
        {
            if (_stopped)
            {
                connection.Dispose();
                return;
            }
            if (!_watching)
            {
                _handle.Dispatch(connection, preferred: null); // the watcher failed: at least serve the client
                return;
            }
            _arrived.Enqueue(connection);
        }
        try
        {
            _wakeWrite.Send([1]);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Stopping: the watcher's end disposes what is queued.
        }
    }

    public override void Dispose()
    {
        lock (_arrived) _stopped = true;
        _wakeWrite.Dispose();
    }

    private sealed class Watched(Socket socket, long since)
    {
        public Socket Socket { get; } = socket;
        public long Since { get; } = since;
        public long NextTry { get; set; } = since;
    }

    private void Watch()
    {
        var watched = new List<Watched>();
        var buffer = new byte[MaxHead];
        var wake = new byte[64];
        long timeout = Ticks(_timeout), retry = Ticks(RetryAfter);
        try
        {
            while (!Volatile.Read(ref _stopped))
            {
                var now = Stopwatch.GetTimestamp();
                var check = new List<Socket> { _wakeRead };
                check.AddRange(watched.Where(w => w.NextTry <= now).Select(w => w.Socket));
                // Wake for the next retry (partly arrived heads stay readable, so Select would not wait for them)
                // or the next give-up, whichever comes first.
                var next = watched.Select(w => Math.Min(w.NextTry > now ? w.NextTry : long.MaxValue, w.Since + timeout)).DefaultIfEmpty(now + Stopwatch.Frequency).Min();
                Socket.Select(check, null, null, (int)Math.Clamp(Stopwatch.GetElapsedTime(now, next).TotalMicroseconds, 1000, 1_000_000));
                if (check.Remove(_wakeRead))
                {
                    _wakeRead.Receive(wake);
                    lock (_arrived)
                        while (_arrived.TryDequeue(out var socket)) watched.Add(new Watched(socket, Stopwatch.GetTimestamp()));
                }
                now = Stopwatch.GetTimestamp();
                foreach (var socket in check)
                {
                    var w = watched.Find(x => x.Socket == socket)!;
                    if (TryRead(socket, buffer, out var workerId))
                    {
                        watched.Remove(w);
                        Dispatch(socket, workerId);
                    }
                    else w.NextTry = now + retry;
                }
                foreach (var late in watched.Where(w => now - w.Since >= timeout).ToList())
                {
                    watched.Remove(late);
                    Dispatch(late.Socket, null);
                }
            }
        }
        catch (Exception e)
        {
            if (!Volatile.Read(ref _stopped)) _logger?.LogError(e, "the affinity cookie router failed; new connections go round-robin from now on");
        }
        finally
        {
            List<Socket> left;
            bool stopped;
            lock (_arrived)
            {
                _watching = false;
                stopped = _stopped;
                left = [.. watched.Select(w => w.Socket), .. _arrived];
                _arrived.Clear();
            }
            // Stopping: nobody will serve them. Failed: they still get a worker, without their cookie read.
            foreach (var socket in left)
                if (stopped) socket.Dispose();
                else Dispatch(socket, null);
            _wakeRead.Dispose();
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private void Dispatch(Socket connection, int? workerId) =>
        _handle.Dispatch(connection, workerId is int id ? h => h.WorkerId == id : null);

    /// <summary>
    /// Peeks at what has arrived. True when the decision can be made: the head is complete (the cookie's worker
    /// id, or null without one), too long, or will never complete (the client closed or reset).
    /// </summary>
    private bool TryRead(Socket socket, byte[] buffer, out int? workerId)
    {
        workerId = null;
        int length;
        try
        {
            length = socket.Receive(buffer, SocketFlags.Peek);
        }
        catch (SocketException)
        {
            return true; // reset: the worker will find out
        }
        if (length == 0) return true; // closed before a byte came
        if (buffer[0] is < (byte)'A' or > (byte)'Z') return true; // not an HTTP/1 request line (TLS, HTTP/2…): no cookie to find
        var complete = RequestHead.TryFindCookie(buffer.AsSpan(0, length), _cookie, out var value);
        if (complete && int.TryParse(value, out var id)) workerId = id;
        return complete || length == buffer.Length; // a head longer than the buffer: give up on it
    }
}
