using System.Diagnostics;
using System.Threading.Channels;
using Workbook.Processes;

/// <summary>
/// A fixed set of forked ComputeChild processes, started once: each /compute takes a free child, sends it the job
/// and waits for the sum; when every child is busy, requests wait in line for the next one that is free. The number
/// of processes is bounded whatever the traffic, and no request pays for starting one.
/// </summary>
public sealed class ComputePool : IAsyncDisposable
{
    private readonly Channel<ChildProcess> _free = Channel.CreateUnbounded<ChildProcess>();
    private readonly List<ChildProcess> _children = [];
    private int _waiting;

    public ComputePool(int size)
    {
        for (int i = 0; i < size; i++)
        {
            var child = ChildProcess.Fork(ExamplePaths.Dll("ComputeChild"));
            _children.Add(child);
            _free.Writer.TryWrite(child);
        }
    }

    public IReadOnlyList<int> Pids => _children.Select(c => c.Pid ?? 0).ToList();

    /// <summary>Runs one computation on the next free child; reports who computed it and how long the request waited for a child.</summary>
    public async Task<(string Sum, int Pid, TimeSpan Waited)> RunAsync(long iterations, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        Interlocked.Increment(ref _waiting);
        ChildProcess child;
        try
        {
            child = await _free.Reader.ReadAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
        var waited = clock.Elapsed;
        try
        {
            child.Send(new { iterations });
            var reply = await child.NextMessageAsync(CancellationToken.None); // the child computes to the end either way
            return (reply.GetProperty("sum").GetString()!, child.Pid ?? 0, waited);
        }
        finally
        {
            if (child.Connected) _free.Writer.TryWrite(child); // a child that died is not handed out again
        }
    }

    public int Waiting => Volatile.Read(ref _waiting);

    public async ValueTask DisposeAsync()
    {
        _free.Writer.TryComplete();
        foreach (var child in _children) await child.DisposeAsync();
    }
}
