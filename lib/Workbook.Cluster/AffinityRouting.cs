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
/// By client IP: a hash of the address picks one of the cluster's places (slots), so a client keeps reaching the
/// worker in that place; when none listens there, the connection goes round-robin.
/// </summary>
internal sealed class ClientIpRouter(RoundRobinHandle handle, Func<int> slots) : AffinityRouter
{
    public override void Route(Socket connection)
    {
        int count = slots();
        int? slot = count > 0 && connection.RemoteEndPoint is IPEndPoint remote ? (int)(Hash(remote.Address) % (uint)count) + 1 : null;
        handle.Dispatch(connection, slot is int s ? h => h.Slot == s : null);
    }

    /// <summary>FNV-1a over the address bytes: stable across runs and processes (string.GetHashCode is not).</summary>
    internal static uint Hash(IPAddress address)
    {
        uint hash = 2166136261;
        foreach (var b in address.GetAddressBytes()) hash = (hash ^ b) * 16777619;
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
    private volatile bool _stopped;

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
        lock (_arrived) _arrived.Enqueue(connection);
        try
        {
            _wakeWrite.Send([1]);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Stopping.
        }
    }

    public override void Dispose()
    {
        _stopped = true;
        _wakeWrite.Dispose();
    }

    private sealed class Watched(Socket socket, DateTime since)
    {
        public Socket Socket { get; } = socket;
        public DateTime Since { get; } = since;
        public DateTime NextTry { get; set; } = since;
    }

    private void Watch()
    {
        var watched = new List<Watched>();
        var buffer = new byte[MaxHead];
        var wake = new byte[64];
        try
        {
            while (!_stopped)
            {
                var now = DateTime.UtcNow;
                var check = new List<Socket> { _wakeRead };
                check.AddRange(watched.Where(w => w.NextTry <= now).Select(w => w.Socket));
                // Partly arrived heads are read again a little later (they stay readable, so Select would not wait).
                var soonest = watched.Where(w => w.NextTry > now).Select(w => w.NextTry - now).DefaultIfEmpty(TimeSpan.FromSeconds(1)).Min();
                Socket.Select(check, null, null, (int)Math.Clamp(soonest.TotalMicroseconds, 1000, 1_000_000));
                if (_stopped) break;
                if (check.Remove(_wakeRead))
                {
                    _wakeRead.Receive(wake);
                    lock (_arrived)
                        while (_arrived.TryDequeue(out var socket)) watched.Add(new Watched(socket, DateTime.UtcNow));
                }
                now = DateTime.UtcNow;
                foreach (var socket in check)
                {
                    var w = watched.Find(x => x.Socket == socket)!;
                    if (TryRead(socket, buffer, out var workerId))
                    {
                        watched.Remove(w);
                        Dispatch(socket, workerId);
                    }
                    else w.NextTry = now + RetryAfter;
                }
                foreach (var late in watched.Where(w => now - w.Since >= _timeout).ToList())
                {
                    watched.Remove(late);
                    Dispatch(late.Socket, null);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            if (!_stopped) _logger?.LogError("the affinity cookie router stopped: {Error}", e.Message);
        }
        finally
        {
            foreach (var w in watched) w.Socket.Dispose();
            lock (_arrived)
                while (_arrived.TryDequeue(out var socket)) socket.Dispose();
            _wakeRead.Dispose();
        }
    }

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
