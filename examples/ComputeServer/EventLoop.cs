using System.Collections.Concurrent;

/// <summary>
/// One thread runs every request handler, as Node's event loop does: while one handler computes, no other
/// handler runs. Kestrel still accepts and parses on its own threads; only the application code is serialised.
/// </summary>
public sealed class EventLoop : SynchronizationContext
{
    private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = new();

    public EventLoop()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "event loop" };
        thread.Start();
    }

    public override void Post(SendOrPostCallback d, object? state) => _queue.Add((d, state));

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("The event loop only runs callbacks it is posted.");

    /// <summary>Runs <paramref name="handler"/> on the loop; its awaits come back to the loop too.</summary>
    public Task RunAsync(Func<Task> handler)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(async _ =>
        {
            try
            {
                await handler();
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }, null);
        return done.Task;
    }

    private void Run()
    {
        SetSynchronizationContext(this);
        foreach (var (callback, state) in _queue.GetConsumingEnumerable()) callback(state);
    }
}
