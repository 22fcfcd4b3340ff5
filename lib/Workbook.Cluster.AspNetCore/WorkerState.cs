namespace Workbook.Cluster.AspNetCore;

/// <summary>What a worker's drain waits for: open connections, and whether it is draining.</summary>
internal sealed class WorkerState
{
    private readonly object _gate = new();
    private int _open;
    private TaskCompletionSource _idle = Completed();

    /// <summary>Once true, every response carries <c>Connection: close</c>, so keep-alive clients move on.</summary>
    public bool Draining { get; private set; }

    public int OpenConnections
    {
        get { lock (_gate) return _open; }
    }

    public void StartDraining() => Draining = true;

    public void Opened()
    {
        lock (_gate)
        {
            if (_open++ == 0) _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Closed()
    {
        lock (_gate)
        {
            if (--_open == 0) _idle.TrySetResult();
        }
    }

    /// <summary>Completes when no connection is open.</summary>
    public Task WhenIdle
    {
        get { lock (_gate) return _idle.Task; }
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }
}
