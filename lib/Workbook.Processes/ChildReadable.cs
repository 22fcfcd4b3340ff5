using System.Text;

namespace Workbook.Processes;

/// <summary>
/// The parent's end of a child's stdout or stderr. It is read from the moment the child starts; what arrives
/// before anyone listens is kept (up to <see cref="HighWaterMark"/> bytes, then the child waits, as with a full
/// pipe) and handed to the first listener, so a handler attached in a later notebook cell misses nothing.
/// Listen with <see cref="Data"/>, forward with <see cref="Pipe(ChildWritable)"/>, or collect with
/// <see cref="ReadToEndAsync"/>; every listener receives everything from the point it joined.
/// </summary>
public sealed class ChildReadable
{
    /// <summary>How many unread bytes are kept while nobody listens before reading pauses.</summary>
    public const int HighWaterMark = 4 * 1024 * 1024;

    private readonly Fanout<byte[]> _chunks = new(chunk => chunk.Length, HighWaterMark);

    internal ChildReadable(Stream source, string name, Action onEnd)
        : this(name)
    {
        var pump = new Thread(() => Pump(source, onEnd), maxStackSize: 256 * 1024) { IsBackground = true, Name = $"read {name}" };
        pump.Start();
    }

    private ChildReadable(string name) => Name = name;

    /// <summary>The stream of a child that could not be started: it has already ended, with nothing in it.</summary>
    internal static ChildReadable AtEnd(string name)
    {
        var ended = new ChildReadable(name);
        ended._chunks.Complete();
        return ended;
    }

    /// <summary><c>"stdout"</c> or <c>"stderr"</c>, with the child's pid.</summary>
    public string Name { get; }

    /// <summary>True once the child's end of the pipe is closed and everything was read.</summary>
    public bool Ended => _chunks.Ended;

    /// <summary>Node's <c>'data'</c> event: text (UTF-8) as it arrives, chunk by chunk.</summary>
    public event Action<string>? Data
    {
        add
        {
            if (value is not null) _chunks.Subscribe(new TextSink(value, Name));
        }
        remove
        {
            if (value is not null) _chunks.Unsubscribe(s => s is TextSink t && t.Handler == value);
        }
    }

    /// <summary>
    /// Node's <c>readable.pipe(writable)</c>: every byte goes to the other child's stdin, which is ended when
    /// this stream ends. Returns the destination, so pipes chain.
    /// </summary>
    public ChildWritable Pipe(ChildWritable destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        _chunks.Subscribe(new WritableSink(destination));
        return destination;
    }

    /// <summary>Copies every byte to a .NET stream; the stream is disposed at the end when <paramref name="end"/> is true.</summary>
    public void Pipe(Stream destination, bool end = false)
    {
        ArgumentNullException.ThrowIfNull(destination);
        _chunks.Subscribe(new StreamSink(destination, end));
    }

    /// <summary>All the text from now (or from the start, if nothing was consumed yet) until the stream ends.</summary>
    public async Task<string> ReadToEndAsync(CancellationToken cancellationToken = default)
    {
        var bytes = await CollectAsync(long.MaxValue, onLimit: null).WaitAsync(cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>
    /// Collects the bytes until the end, or until <paramref name="maxBytes"/> would be exceeded: then keeps the
    /// first <paramref name="maxBytes"/>, calls <paramref name="onLimit"/> once and completes.
    /// </summary>
    internal Task<byte[]> CollectAsync(long maxBytes, Action? onLimit)
    {
        var sink = new CollectSink(maxBytes, onLimit);
        _chunks.Subscribe(sink);
        return sink.Result;
    }

    private void Pump(Stream source, Action onEnd)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = source.Read(buffer, 0, buffer.Length);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    read = 0;
                }
                if (read <= 0) break;
                _chunks.Publish(buffer.AsSpan(0, read).ToArray());
            }
        }
        finally
        {
            _chunks.Complete();
            source.Dispose();
            onEnd();
        }
    }

    private sealed class TextSink(Action<string> handler, string name) : IFanoutSink<byte[]>
    {
        private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();
        public Action<string> Handler => handler;
        public bool Broken => false;

        public void OnItem(byte[] chunk) => Emit(chunk, flush: false);
        public void OnEnd() => Emit([], flush: true);

        private void Emit(byte[] bytes, bool flush)
        {
            var chars = new char[_decoder.GetCharCount(bytes, flush)];
            int count = _decoder.GetChars(bytes, chars, flush);
            if (count == 0) return;
            HandlerFailures.Run($"{name} Data handler", () => handler(new string(chars, 0, count)));
        }
    }

    private sealed class WritableSink(ChildWritable destination) : IFanoutSink<byte[]>
    {
        public bool Broken { get; private set; }

        // The reading child may have exited; the pipe then stops, as Node unpipes on EPIPE.
        public void OnItem(byte[] chunk) => Broken |= !destination.TryWrite(chunk);

        public void OnEnd() => destination.TryEnd();
    }

    private sealed class StreamSink(Stream destination, bool end) : IFanoutSink<byte[]>
    {
        public bool Broken { get; private set; }

        public void OnItem(byte[] chunk)
        {
            try
            {
                destination.Write(chunk);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                Broken = true;
            }
        }

        public void OnEnd()
        {
            try
            {
                destination.Flush();
                if (end) destination.Dispose();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The destination went away; nothing left to tell it.
            }
        }
    }

    private sealed class CollectSink(long maxBytes, Action? onLimit) : IFanoutSink<byte[]>
    {
        private readonly MemoryStream _bytes = new();
        private readonly TaskCompletionSource<byte[]> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task<byte[]> Result => _result.Task;
        public bool Broken { get; private set; }

        public void OnItem(byte[] chunk)
        {
            if (_bytes.Length + chunk.Length <= maxBytes)
            {
                _bytes.Write(chunk);
                return;
            }
            _bytes.Write(chunk, 0, (int)(maxBytes - _bytes.Length));
            Broken = true;
            _result.TrySetResult(_bytes.ToArray());
            onLimit?.Invoke();
        }

        public void OnEnd() => _result.TrySetResult(_bytes.ToArray());
    }
}
