namespace Workbook.Processes;

/// <summary>
/// Delivers a sequence (output chunks, channel messages) to every subscriber, in order. What arrives while
/// nobody is subscribed is kept, up to a high-water mark, and handed to the first subscriber; past the mark
/// <see cref="Publish"/> blocks until someone subscribes, which pushes back on the producer as a full pipe would.
/// </summary>
internal sealed class Fanout<T>(Func<T, long> sizeOf, long highWaterMark)
{
    private readonly object _gate = new();
    // Serialises deliveries so every sink sees items in order, including the backlog flushed on subscribe.
    private readonly SemaphoreSlim _delivering = new(1, 1);
    private readonly ManualResetEventSlim _subscribed = new(false);
    private readonly List<IFanoutSink<T>> _sinks = [];
    private List<T> _backlog = [];
    private long _backlogSize;
    private bool _ended;
    private int _deliveringThread;

    public bool Ended
    {
        get { lock (_gate) return _ended; }
    }

    public void Subscribe(IFanoutSink<T> sink)
    {
        if (Environment.CurrentManagedThreadId == Volatile.Read(ref _deliveringThread))
        {
            // Subscribed from inside a handler during a delivery: there is no backlog then.
            lock (_gate) _sinks.Add(sink);
            return;
        }

        Deliver(() =>
        {
            List<T> backlog;
            bool ended;
            lock (_gate)
            {
                _sinks.Add(sink);
                (backlog, _backlog, _backlogSize) = (_backlog, [], 0);
                ended = _ended;
            }
            foreach (var item in backlog) sink.OnItem(item);
            if (ended) sink.OnEnd();
        });
        _subscribed.Set();
    }

    public void Unsubscribe(Predicate<IFanoutSink<T>> match)
    {
        lock (_gate) _sinks.RemoveAll(match);
    }

    /// <summary>Delivers one item, or keeps it when nobody listens; blocks while the backlog is full.</summary>
    public void Publish(T item)
    {
        bool full = false;
        Deliver(() =>
        {
            IFanoutSink<T>[] sinks;
            lock (_gate)
            {
                sinks = [.. _sinks];
                if (sinks.Length == 0)
                {
                    _backlog.Add(item);
                    _backlogSize += sizeOf(item);
                    full = _backlogSize >= highWaterMark;
                    if (full) _subscribed.Reset();
                }
            }
            foreach (var sink in sinks) sink.OnItem(item);
        });
        if (full) _subscribed.Wait();
    }

    /// <summary>Marks the end; subscribers get <see cref="IFanoutSink{T}.OnEnd"/>, later ones after the backlog.</summary>
    public void Complete() => Deliver(() =>
    {
        IFanoutSink<T>[] sinks;
        lock (_gate)
        {
            if (_ended) return;
            _ended = true;
            sinks = [.. _sinks];
        }
        foreach (var sink in sinks) sink.OnEnd();
    });

    private void Deliver(Action action)
    {
        _delivering.Wait();
        try
        {
            Volatile.Write(ref _deliveringThread, Environment.CurrentManagedThreadId);
            action();
            // A destination that went away is dropped, as Node unpipes on EPIPE.
            lock (_gate) _sinks.RemoveAll(s => s.Broken);
        }
        finally
        {
            Volatile.Write(ref _deliveringThread, 0);
            _delivering.Release();
        }
    }
}
