// A minimal HTTP/1.1 client on a raw socket, written here because HttpClient does not fit a load generator:
// its pool picks connections itself (a run needs exactly one per client, or one per request), its errors blur
// refused/reset/timeout, and on a 2-core machine it reached 0.65x wrk's request rate where this reaches ~0.8x.
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;

namespace Workbook.LoadTesting;

/// <summary>One keep-alive connection: sends a request, reads the whole response (length, chunked, or to close).</summary>
internal sealed class HttpConnection : IDisposable
{
    private const int BufferSize = 16 * 1024;
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start, _end;
    private string? _lastAttribution;
    private long _deadline; // Stopwatch timestamp by which the current request must finish; 0 when idle

    private HttpConnection(Socket socket) => _socket = socket;

    /// <summary>True once the timeout watcher ended this connection because a request took too long.</summary>
    public bool TimedOut { get; private set; }

    /// <summary>A connection not yet connected; <see cref="ConnectAsync"/> connects it.</summary>
    public static HttpConnection Create(IPEndPoint endpoint) =>
        new(new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });

    /// <summary>Connects; the timeout watcher ends the attempt if it is not done by <paramref name="deadline"/>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ConnectAsync(IPEndPoint endpoint, long deadline)
    {
        Volatile.Write(ref _deadline, deadline);
        try
        {
            await _socket.ConnectAsync(endpoint, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _deadline, 0);
        }
    }

    /// <summary>Sends one request and reads its response; <paramref name="attributeBy"/> is a lower-case header name or empty.</summary>
    // Pooled state machines: a load run makes tens of thousands of these calls a second.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<HttpAnswer> SendAsync(ReadOnlyMemory<byte> request, ReadOnlyMemory<byte> attributeBy, long deadline)
    {
        Volatile.Write(ref _deadline, deadline);
        try
        {
            int sent = 0;
            while (sent < request.Length) sent += await _socket.SendAsync(request[sent..], SocketFlags.None).ConfigureAwait(false);
            return await ReadResponseAsync(attributeBy).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _deadline, 0);
        }
    }

    /// <summary>Called by the timeout watcher: ends the connection if its request is past its deadline.</summary>
    public void AbortIfLate(long now)
    {
        var deadline = Volatile.Read(ref _deadline);
        if (deadline == 0 || now < deadline) return;
        TimedOut = true;
        _socket.Dispose();
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>
    /// Whether this idle connection can no longer carry a request: the server closed it (its FIN or reset has
    /// arrived) or sent something unasked. Every HTTP client's pool checks this before reusing a connection (.NET's
    /// HttpClient, browsers, Node's agent), so a server that closes idle keep-alive connections costs them nothing;
    /// only a request already on its way when the close comes can fail.
    /// </summary>
    public bool IsClosedWhileIdle()
    {
        try
        {
            return _socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<HttpAnswer> ReadResponseAsync(ReadOnlyMemory<byte> attributeBy)
    {
        int headerEnd;
        while ((headerEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (_end - _start >= BufferSize) throw new ConnectionBrokenException("Response headers larger than 16 KiB.");
            await FillAsync().ConfigureAwait(false);
        }
        var head = ParseHead(_buffer.AsSpan(_start, headerEnd), attributeBy.Span);
        _start += headerEnd + 4;

        bool keepAlive = head.KeepAlive;
        if (head.Status is (>= 100 and < 200) or 204 or 304) { }
        else if (head.Chunked) await SkipChunkedAsync().ConfigureAwait(false);
        else if (head.ContentLength >= 0) await SkipAsync(head.ContentLength).ConfigureAwait(false);
        else
        {
            await SkipToCloseAsync().ConfigureAwait(false);
            keepAlive = false;
        }
        return new HttpAnswer(head.Status, head.Attribution, keepAlive);
    }

    private readonly record struct Head(int Status, long ContentLength, bool Chunked, bool KeepAlive, string? Attribution);

    private Head ParseHead(ReadOnlySpan<byte> head, ReadOnlySpan<byte> attributeBy)
    {
        int lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = lineEnd < 0 ? head : head[..lineEnd];
        // "HTTP/1.1 200 OK"
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || statusLine[8] != (byte)' '
            || !TryParseStatus(statusLine.Slice(9, 3), out var status))
            throw new ConnectionBrokenException($"Not an HTTP/1.x response: '{Encoding.ASCII.GetString(statusLine[..Math.Min(statusLine.Length, 60)])}'.");
        bool http10 = statusLine[7] == (byte)'0';

        long contentLength = -1;
        bool chunked = false;
        bool? keepAliveHeader = null;
        string? attribution = null;
        var rest = lineEnd < 0 ? ReadOnlySpan<byte>.Empty : head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf("\r\n"u8);
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? ReadOnlySpan<byte>.Empty : rest[(end + 2)..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0) continue;
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (NameIs(name, "content-length"u8))
            {
                if (!long.TryParse(Encoding.ASCII.GetString(value), out contentLength) || contentLength < 0)
                    throw new ConnectionBrokenException("Invalid Content-Length.");
            }
            else if (NameIs(name, "transfer-encoding"u8)) chunked = Ascii.EqualsIgnoreCase(value, "chunked"u8);
            else if (NameIs(name, "connection"u8))
            {
                if (Ascii.EqualsIgnoreCase(value, "close"u8)) keepAliveHeader = false;
                else if (Ascii.EqualsIgnoreCase(value, "keep-alive"u8)) keepAliveHeader = true;
            }
            else if (!attributeBy.IsEmpty && NameIs(name, attributeBy)) attribution = Intern(value);
        }
        return new Head(status, contentLength, chunked, keepAliveHeader ?? !http10, attribution);
    }

    private static bool TryParseStatus(ReadOnlySpan<byte> digits, out int status)
    {
        status = 0;
        foreach (var d in digits)
        {
            if (d is < (byte)'0' or > (byte)'9') return false;
            status = status * 10 + (d - '0');
        }
        return true;
    }

    private static bool NameIs(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lowerCase) => Ascii.EqualsIgnoreCase(name, lowerCase);

    // The same few values (worker pids) repeat: keep the last one rather than allocate a string per response.
    private string Intern(ReadOnlySpan<byte> value)
    {
        if (_lastAttribution is { } last && last.Length == value.Length && Ascii.Equals(value, last)) return last;
        return _lastAttribution = Encoding.ASCII.GetString(value);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SkipAsync(long count)
    {
        while (count > 0)
        {
            if (_start == _end) await FillAsync().ConfigureAwait(false);
            int take = (int)Math.Min(count, _end - _start);
            _start += take;
            count -= take;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SkipChunkedAsync()
    {
        while (true)
        {
            var sizeLine = await ReadLineAsync().ConfigureAwait(false);
            int semicolon = sizeLine.IndexOf(';');
            var hex = (semicolon < 0 ? sizeLine : sizeLine[..semicolon]).Trim();
            if (!long.TryParse(hex, System.Globalization.NumberStyles.HexNumber, null, out var size) || size < 0)
                throw new ConnectionBrokenException($"Invalid chunk size '{hex}'.");
            if (size == 0)
            {
                while ((await ReadLineAsync().ConfigureAwait(false)).Length > 0) { } // trailers, then the empty line
                return;
            }
            await SkipAsync(size + 2).ConfigureAwait(false); // the chunk and its CRLF
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<string> ReadLineAsync()
    {
        int newline;
        while ((newline = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
        {
            if (_end - _start >= BufferSize) throw new ConnectionBrokenException("A chunk header line longer than 16 KiB.");
            await FillAsync().ConfigureAwait(false);
        }
        var line = Encoding.ASCII.GetString(_buffer, _start, newline);
        _start += newline + 2;
        return line;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SkipToCloseAsync()
    {
        _start = _end;
        while (await ReceiveAsync().ConfigureAwait(false) > 0) _start = _end;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FillAsync()
    {
        if (await ReceiveAsync().ConfigureAwait(false) == 0)
            throw new ConnectionBrokenException("The server closed the connection before the response was complete.", closed: true);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveAsync()
    {
        if (_start > 0)
        {
            // Keep unread bytes at the front so the buffer has room.
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        int read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None).ConfigureAwait(false);
        _end += read;
        return read;
    }
}
