namespace Workbook.Processes;

/// <summary>
/// An event that happens at most once (exit, close, disconnect). A handler added after it happened is called at
/// once with the same value: in a notebook the next cell often runs after a quick child has finished.
/// </summary>
internal sealed class OnceEvent<TValue, THandler>(string name, Action<THandler, TValue> invoke) where THandler : Delegate
{
    private readonly object _gate = new();
    private readonly List<THandler> _handlers = [];
    private bool _fired;
    private TValue? _value;

    public bool HasFired
    {
        get { lock (_gate) return _fired; }
    }

    public void Add(THandler? handler)
    {
        if (handler is null) return;
        lock (_gate)
        {
            if (!_fired)
            {
                _handlers.Add(handler);
                return;
            }
        }
        HandlerFailures.Run($"{name} handler", () => invoke(handler, _value!));
    }

    public void Remove(THandler? handler)
    {
        if (handler is null) return;
        lock (_gate) _handlers.Remove(handler);
    }

    /// <summary>Calls every handler once; false when the event had already happened.</summary>
    public bool Fire(TValue value)
    {
        THandler[] handlers;
        lock (_gate)
        {
            if (_fired) return false;
            (_fired, _value) = (true, value);
            handlers = [.. _handlers];
            _handlers.Clear();
        }
        foreach (var h in handlers) HandlerFailures.Run($"{name} handler", () => invoke(h, value));
        return true;
    }
}
