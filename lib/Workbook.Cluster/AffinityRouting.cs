using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Workbook.Processes.Native;

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

/// <summary>
/// By client IP: a hash of the address picks one of the cluster's places (<see cref="Worker.Place"/>), so a client keeps reaching the
/// worker in that place. While no worker listens there (it crashed and waits for its restart, or gave up), the
/// same hash picks one of the workers that do, so the client still sees one worker rather than a new one per
/// connection.
/// </summary>
internal sealed class ClientIpRouter(RoundRobinHandle handle, Func<int> places) : AffinityRouter
{
    public override void Route(Socket connection)
    {
        int count = places();
        if (count == 0 || connection.RemoteEndPoint is not IPEndPoint remote)
        {
            handle.Dispatch(connection, preferred: null);
            return;
        }
        var hash = Hash(remote.Address);
        int place = (int)(hash % (uint)count) + 1;
        handle.Dispatch(connection, h => h.Place == place, spread: hash);
    }

    /// <summary>
    /// FNV-1a over the address bytes, then a final mix (MurmurHash3's) so the low bits depend on every bit of the
    /// address: without it, "hash mod 2" is just the parity of the octets. Stable across runs and processes.
    /// </summary>
    internal static uint Hash(IPAddress address)
    {
        uint hash = 2166136261;
        foreach (var b in address.GetAddressBytes()) hash = (hash ^ b) * 16777619;
        hash ^= hash >> 16;
        hash *= 0x85ebca6b;
        hash ^= hash >> 13;
        hash *= 0xc2b2ae35;
        hash ^= hash >> 16;
        return hash;
    }
}

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

/// <summary>Just enough of HTTP/1.1 to find one cookie in a request head (a full parser would be the worker's job).</summary>
internal static class RequestHead
{
    private static readonly byte[] End = "\r\n\r\n"u8.ToArray();

    /// <summary>False while the head is incomplete; true once it is, with the cookie's value (or null).</summary>
    public static bool TryFindCookie(ReadOnlySpan<byte> bytes, string name, out string? value)
    {
        value = null;
        var end = bytes.IndexOf(End);
        if (end < 0) return false;
        var head = Encoding.Latin1.GetString(bytes[..end]);
        foreach (var line in head.Split("\r\n").Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0 || !line.AsSpan(0, colon).Trim().Equals("Cookie", StringComparison.OrdinalIgnoreCase)) continue;
            foreach (var pair in line[(colon + 1)..].Split(';'))
            {
                var equals = pair.IndexOf('=');
                if (equals > 0 && pair.AsSpan(0, equals).Trim().SequenceEqual(name))
                {
                    value = pair[(equals + 1)..].Trim().Trim('"');
                    return true;
                }
            }
        }
        return true;
    }
}
