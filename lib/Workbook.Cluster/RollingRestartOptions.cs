namespace Workbook.Cluster;

/// <summary>How <see cref="ClusterPrimary.RollingRestartAsync"/> replaces the workers (PM2's reload options).</summary>
public sealed record RollingRestartOptions
{
    /// <summary>Workers replaced at a time. PM2 reloads one at a time; more is faster but leaves fewer old workers serving meanwhile.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>
    /// True: each old worker drains (<see cref="Worker.Disconnect"/>): <c>Connection: close</c> on what it answers,
    /// idle keep-alive connections closed cleanly, then it exits. False: it only gets SIGTERM once no connection is
    /// routed to it, and Kestrel's own graceful stop closes idle keep-alive connections at once — the race a
    /// client loses when its next request is already on the way. Kept for the comparison.
    /// </summary>
    public bool Drain { get; init; } = true;

    internal void Validate()
    {
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "At least one worker at a time.");
    }
}
