namespace Workbook.Cluster;

/// <summary>
/// Round-robin only: how many connections a worker may hold that it has not answered once yet (see
/// <see cref="ClusterSettings.HandOffLimit"/>). <see cref="Adaptive"/> (the default) follows what the worker can
/// run; <see cref="Fixed"/> (or an <see cref="int"/>) pins a number.
/// </summary>
public sealed record HandOffLimit
{
    /// <summary>The most an adaptive limit grows to: far above what 200 clients of a handler waiting on I/O need.</summary>
    public const int AdaptiveMost = 1000;

    private HandOffLimit(int? connections) => Connections = connections;

    /// <summary>
    /// Per worker, from how long its connections take to be answered (TCP Vegas's rule, as in Netflix's
    /// concurrency-limits): while handing it more does not make them slower, the worker can run more — it is
    /// waiting on I/O — and the limit grows; once each new one only queues behind the others — its cores are
    /// busy — it shrinks, so that a CPU-bound worker holds about as many as it can run.
    /// </summary>
    public static HandOffLimit Adaptive { get; } = new((int?)null);

    /// <summary>At most <paramref name="connections"/> (at least 1) per worker, whatever it does with them.</summary>
    public static HandOffLimit Fixed(int connections)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        return new(connections);
    }

    /// <summary>The fixed number; null when adaptive.</summary>
    public int? Connections { get; }

    public bool IsAdaptive => Connections is null;

    public static implicit operator HandOffLimit(int connections) => Fixed(connections);

    public override string ToString() => Connections?.ToString() ?? "adaptive";
}
