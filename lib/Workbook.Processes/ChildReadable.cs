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

    private readonly Stream _source;
    private readonly Action _onEnd;
    private readonly object _gate = new();
    // Serialises deliveries so every sink sees chunks in order, including the backlog flushed on attach.
    private readonly SemaphoreSlim _delivering = new(1, 1);
    private readonly ManualResetEventSlim _listenerAttached = new(false);
    private readonly List<Sink> _sinks = [];
    private List<byte[]> _backlog = [];
    private int _backlogBytes;
    private bool _ended;
    private int _deliveringThread;

    internal ChildReadable(Stream source, string name, Action onEnd)
    {
        _source = source;
        Name = name;
        _onEnd = onEnd;
        var pump = new Thread(Pump, maxStackSize: 256 * 1024) { IsBackground = true, Name = $"read {name}" };
        pump.Start();
    }

    /// <summary><c>"stdout"</c> or <c>"stderr"</c>, with the child's pid.</summary>
    public string Name { get; }

    /// <summary>True once the child's end of the pipe is closed and everything was read.</summary>
    public bool Ended
    {
        get { lock (_gate) return _ended; }
    }

    /// <summary>Node's <c>'data'</c> event: text (UTF-8) as it arrives, chunk by chunk.</summary>
    public event Action<string>? Data
    {
        add
        {
            if (value is not null) Attach(new TextSink(value, Name));
        }
        remove
        {
            if (value is null) return;
            lock (_gate) _sinks.RemoveAll(s => s is TextSink t && t.Handler == value);
        }
    }

    /// <summary>
    /// Node's <c>readable.pipe(writable)</c>: every byte goes to the other child's stdin, which is ended when
    /// this stream ends. Returns the destination, so pipes chain.
    /// </summary>
    public ChildWritable Pipe(ChildWritable destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Attach(new WritableSink(destination));
        return destination;
    }

    /// <summary>Copies every byte to a .NET stream; the stream is disposed at the end when <paramref name="end"/> is true.</summary>
    public void Pipe(Stream destination, bool end = false)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Attach(new StreamSink(destination, end));
    }

    /// <summary>All the text from now (or from the start, if nothing was consumed yet) until the stream ends.</summary>
    public Task<string> ReadToEndAsync(CancellationToken cancellationToken = default)
    {
        var sink = new CollectSink();
        Attach(sink);
        return sink.Text.WaitAsync(cancellationToken);
    }

    private void Attach(Sink sink)
    {
        if (Environment.CurrentManagedThreadId == Volatile.Read(ref _deliveringThread))
        {
            // Attached from inside a handler while a chunk is being delivered: there is no backlog then.
            lock (_gate) _sinks.Add(sink);
            return;
        }

        _delivering.Wait();
        try
        {
            List<byte[]> backlog;
            bool ended;
            lock (_gate)
            {
                _sinks.Add(sink);
                backlog = _backlog;
                _backlog = [];
                _backlogBytes = 0;
                ended = _ended;
            }
            Volatile.Write(ref _deliveringThread, Environment.CurrentManagedThreadId);
            foreach (var chunk in backlog) sink.Write(chunk);
            if (ended) sink.Complete();
        }
        finally
        {
            Volatile.Write(ref _deliveringThread, 0);
            _delivering.Release();
        }
        _listenerAttached.Set();
    }

    private void Pump()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = _source.Read(buffer, 0, buffer.Length);
                }
                catch (IOException)
                {
                    read = 0;
                }
                catch (ObjectDisposedException)
                {
                    read = 0;
                }
                if (read <= 0) break;

                var chunk = buffer.AsSpan(0, read).ToArray();
                bool waitForListener;
                Deliver(sinks => { foreach (var s in sinks) s.Write(chunk); }, onNoSinks: () =>
                {
                    _backlog.Add(chunk);
                    _backlogBytes += chunk.Length;
                }, out waitForListener);
                if (waitForListener) _listenerAttached.Wait();
            }
        }
        finally
        {
            Deliver(sinks => { foreach (var s in sinks) s.Complete(); }, onNoSinks: null, out _, markEnded: true);
            _source.Dispose();
            _onEnd();
        }
    }

    private void Deliver(Action<Sink[]> toSinks, Action? onNoSinks, out bool waitForListener, bool markEnded = false)
    {
        _delivering.Wait();
        try
        {
            Sink[] sinks;
            lock (_gate)
            {
                if (markEnded) _ended = true;
                sinks = _sinks.ToArray();
                if (sinks.Length == 0) onNoSinks?.Invoke();
                waitForListener = sinks.Length == 0 && _backlogBytes >= HighWaterMark;
                if (waitForListener) _listenerAttached.Reset();
            }
            Volatile.Write(ref _deliveringThread, Environment.CurrentManagedThreadId);
            if (sinks.Length > 0) toSinks(sinks);
            // A destination that went away is unpiped, as in Node; with no listener left, reading pauses.
            lock (_gate) _sinks.RemoveAll(s => s.Broken);
        }
        finally
        {
            Volatile.Write(ref _deliveringThread, 0);
            _delivering.Release();
        }
    }

    private abstract class Sink
    {
        public bool Broken { get; protected set; }
        public abstract void Write(byte[] chunk);
        public abstract void Complete();
    }

    private sealed class TextSink(Action<string> handler, string name) : Sink
    {
        private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();
        public Action<string> Handler => handler;

        public override void Write(byte[] chunk) => Emit(chunk, flush: false);
        public override void Complete() => Emit([], flush: true);

        private void Emit(byte[] bytes, bool flush)
        {
            var chars = new char[_decoder.GetCharCount(bytes, flush)];
            int count = _decoder.GetChars(bytes, chars, flush);
            if (count == 0) return;
            HandlerFailures.Run($"{name} Data handler", () => handler(new string(chars, 0, count)));
        }
    }

    private sealed class WritableSink(ChildWritable destination) : Sink
    {
        public override void Write(byte[] chunk)
        {
            // The reading child may have exited; Node unpipes on EPIPE and so do we.
            if (!Broken && !destination.TryWrite(chunk)) Broken = true;
        }

        public override void Complete() => destination.TryEnd();
    }

    private sealed class StreamSink(Stream destination, bool end) : Sink
    {
        public override void Write(byte[] chunk)
        {
            if (Broken) return;
            try
            {
                destination.Write(chunk);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                Broken = true;
            }
        }

        public override void Complete()
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

    private sealed class CollectSink : Sink
    {
        private readonly MemoryStream _bytes = new();
        private readonly TaskCompletionSource<string> _text = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task<string> Text => _text.Task;

        public override void Write(byte[] chunk) => _bytes.Write(chunk);
        public override void Complete() => _text.TrySetResult(Encoding.UTF8.GetString(_bytes.GetBuffer(), 0, (int)_bytes.Length));
    }
}
