using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;

namespace Workbook.Processes;

/// <summary>
/// One end of the IPC channel between a parent and a forked child: a Unix socket carrying one JSON value per
/// line, as Node's channel does in its 'json' mode. Used by <see cref="ChildProcess"/> (parent side) and
/// <see cref="ParentProcess"/> (child side). A line that is not JSON is reported and skipped; the channel
/// keeps working. End-of-file (or a reset) means the other side is gone.
/// </summary>
internal sealed class MessageChannel
{
    /// <summary>Longest message accepted; a longer line is reported and skipped.</summary>
    public const int MaxMessageBytes = 16 * 1024 * 1024;

    /// <summary>Messages kept while nobody listens before reading pauses (and the sender waits).</summary>
    private const int Backlog = 10_000;

    private static readonly byte[] Newline = "\n"u8.ToArray();
    private readonly Socket _socket;
    private readonly string _peer;
    private readonly Action<Exception> _onError;
    private readonly Action<bool>? _afterDisconnect;
    private readonly System.Collections.Concurrent.BlockingCollection<byte[]> _outbox = new();
    private readonly Fanout<JsonElement> _messages = new(_ => 1, Backlog);
    private readonly Fanout<JsonElement> _internal = new(_ => 1, Backlog);
    private int _closed;
    private int _closedHere;

    // afterDisconnect runs after the Disconnected handlers, with true when the peer (not this side) closed the channel.
    public MessageChannel(Socket socket, string peer, Action<Exception> onError, Action<bool>? afterDisconnect = null)
    {
        _socket = socket;
        _peer = peer;
        _onError = onError;
        _afterDisconnect = afterDisconnect;
        Disconnected = new OnceEvent<bool, Action>($"Disconnected ({peer})", (h, _) => h());
        var reader = new Thread(Read, maxStackSize: 256 * 1024) { IsBackground = true, Name = $"channel {peer}" };
        reader.Start();
        var writer = new Thread(Write, maxStackSize: 256 * 1024) { IsBackground = true, Name = $"channel {peer} (send)" };
        writer.Start();
    }

    public OnceEvent<bool, Action> Disconnected { get; }

    public bool IsConnected => Volatile.Read(ref _closed) == 0;

    public void Subscribe(Action<JsonElement> handler) => _messages.Subscribe(new HandlerSink(handler, _peer));

    public void Unsubscribe(Action<JsonElement> handler) => _messages.Unsubscribe(s => s is HandlerSink h && h.Handler == handler);

    /// <summary>
    /// The name of the property that marks a message as internal (a library's protocol, such as the cluster's):
    /// internal messages go to <see cref="SubscribeInternal"/>, never to the user's Message handlers — as Node
    /// keeps its NODE_CLUSTER messages out of 'message'.
    /// </summary>
    public const string InternalMarker = "$wb";

    public void SubscribeInternal(Action<JsonElement> handler) => _internal.Subscribe(new HandlerSink(handler, _peer + " (internal)"));

    public async IAsyncEnumerable<JsonElement> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var queue = Channel.CreateUnbounded<JsonElement>(new UnboundedChannelOptions { SingleReader = true });
        var sink = new QueueSink(queue.Writer);
        _messages.Subscribe(sink);
        try
        {
            await foreach (var message in queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return message;
        }
        finally
        {
            sink.Broken = true;
            _messages.Unsubscribe(s => s == sink);
        }
    }

    /// <summary>
    /// Queues a message and returns at once; a writer thread sends queued messages in order. Node queues sends
    /// the same way, and it matters: if sending blocked, two sides that answer a message with a message could
    /// each wait for the other to read, for ever.
    /// </summary>
    [RequiresUnreferencedCode(ReflectionJson), RequiresDynamicCode(ReflectionJson)]
    public void Send(object? message) => Enqueue(Serialize(message));

    /// <summary>A message serialized with its source-generated type information: no reflection, so fit for Native AOT.</summary>
    public void Send<T>(T message, JsonTypeInfo<T> type) => Enqueue(Frame(JsonSerializer.SerializeToUtf8Bytes(message, type)));

    /// <summary>A message already written as JSON (the libraries' own protocols): no reflection, so fit for Native AOT.</summary>
    public void Send(EncodedMessage message) => Enqueue(Frame(message.Utf8Json));

    /// <summary>Why sending an arbitrary value needs reflection (what the trimming and AOT analyzers are told).</summary>
    public const string ReflectionJson = "Serializes the message's runtime type with System.Text.Json's reflection-based serializer; " +
        "in a trimmed or Native AOT program its type's members may be gone (anonymous types and records of primitives can still work with JsonSerializerIsReflectionEnabledByDefault).";

    private void Enqueue(byte[] bytes)
    {
        if (!IsConnected) throw Closed(null);
        try
        {
            _outbox.Add(bytes);
        }
        catch (InvalidOperationException e)
        {
            throw Closed(e); // the channel closed in the meantime
        }
    }

    /// <summary>Closes the channel: the other side reads end-of-file.</summary>
    /// <exception cref="ChannelClosedException">It is closed already (<c>ERR_IPC_DISCONNECTED</c>), from either side.</exception>
    public void Disconnect()
    {
        if (!TryDisconnect())
            throw new ChannelClosedException(ChannelClosedException.Disconnected,
                $"IPC channel is already disconnected: the channel to {_peer} was closed before (by Disconnect(), or because the other side went away).");
    }

    /// <summary>Closes the channel if it is still open; false when it was closed already.</summary>
    public bool TryDisconnect()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return false;
        Volatile.Write(ref _closedHere, 1);
        _outbox.CompleteAdding();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone on the other side.
        }
        _socket.Close();
        return true;
    }

    [RequiresUnreferencedCode(ReflectionJson), RequiresDynamicCode(ReflectionJson)]
    private static byte[] Serialize(object? message) =>
        Frame(message is EncodedMessage encoded ? encoded.Utf8Json : JsonSerializer.SerializeToUtf8Bytes(message, JsonSerializerOptions.Web));

    private static byte[] Frame(byte[] bytes)
    {
        if (bytes.Length > MaxMessageBytes)
            throw new ArgumentException($"The message is {bytes.Length:N0} bytes as JSON; the channel carries at most {MaxMessageBytes:N0}.", "message");
        return [.. bytes, .. Newline];
    }

    private void Write()
    {
        foreach (var bytes in _outbox.GetConsumingEnumerable())
        {
            try
            {
                int sent = 0;
                while (sent < bytes.Length) sent += _socket.Send(bytes, sent, bytes.Length - sent, SocketFlags.None);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return; // the other side is gone; the reader reports the disconnect
            }
        }
    }

    private ChannelClosedException Closed(Exception? inner) =>
        new(ChannelClosedException.ChannelClosed, $"The channel to {_peer} is closed (it disconnected or exited); the message was not sent.", inner);

    private void Read()
    {
        var buffer = new byte[64 * 1024];
        var line = new MemoryStream();
        bool skipping = false;
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = _socket.Receive(buffer);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    break; // a reset, or our own Disconnect: the channel is gone either way
                }
                if (read == 0) break;

                int start = 0;
                while (start < read)
                {
                    int newline = Array.IndexOf(buffer, (byte)'\n', start, read - start);
                    int end = newline < 0 ? read : newline;
                    if (!skipping) line.Write(buffer, start, end - start);
                    if (line.Length > MaxMessageBytes && !skipping)
                    {
                        _onError(new ChannelMessageException(_peer, $"a message longer than {MaxMessageBytes:N0} bytes was skipped", ""));
                        line.SetLength(0);
                        skipping = true;
                    }
                    if (newline < 0) break;
                    if (!skipping) Deliver(line);
                    line.SetLength(0);
                    skipping = false;
                    start = newline + 1;
                }
            }
        }
        finally
        {
            Interlocked.Exchange(ref _closed, 1);
            _outbox.CompleteAdding();
            _socket.Close();
            _messages.Complete();
            _internal.Complete();
            Disconnected.Fire(true);
            _afterDisconnect?.Invoke(Volatile.Read(ref _closedHere) == 0);
        }
    }

    private void Deliver(MemoryStream line)
    {
        var bytes = line.GetBuffer().AsMemory(0, (int)line.Length);
        if (bytes.Span.Trim((byte)' ').IsEmpty) return;
        JsonElement message;
        try
        {
            using var document = JsonDocument.Parse(bytes);
            message = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            var text = Encoding.UTF8.GetString(bytes.Span[..Math.Min(bytes.Length, 200)]);
            _onError(new ChannelMessageException(_peer, $"a line that is not JSON was skipped ({e.Message})", text));
            return;
        }
        if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty(InternalMarker, out _)) _internal.Publish(message);
        else _messages.Publish(message);
    }

    private sealed class HandlerSink(Action<JsonElement> handler, string peer) : IFanoutSink<JsonElement>
    {
        public Action<JsonElement> Handler => handler;
        public bool Broken => false;
        public void OnItem(JsonElement item) => HandlerFailures.Run($"Message handler ({peer})", () => handler(item));
        public void OnEnd() { }
    }

    private sealed class QueueSink(ChannelWriter<JsonElement> writer) : IFanoutSink<JsonElement>
    {
        public bool Broken { get; set; }
        public void OnItem(JsonElement item) => writer.TryWrite(item);
        public void OnEnd() => writer.TryComplete();
    }
}
