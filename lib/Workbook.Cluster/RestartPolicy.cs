namespace Workbook.Cluster;

/// <summary>
/// Supervision of crashed workers. A worker that exits with a non-zero code or a signal, and not after
/// <see cref="Worker.Disconnect"/> or <see cref="Worker.Kill"/>, is replaced in its place (<see cref="Worker.Place"/>). A worker that dies
/// sooner than <see cref="MinUptime"/> after it was forked is unstable: each unstable crash in a row doubles
/// the wait before the next restart (from <see cref="InitialDelay"/> up to <see cref="MaxDelay"/>). The primary
/// restarts after at most <see cref="MaxUnstableRestarts"/> unstable crashes in a row; at the next one it stops
/// restarting that place and raises <see cref="ClusterPrimary.GaveUp"/>. A worker that stays up for
/// <see cref="MinUptime"/> resets the count; the restart after a stable worker's crash is immediate and not counted.
/// A place is supervised from the moment its first worker listens, so a program that never starts fails
/// <see cref="ClusterPrimary.StartAsync(CancellationToken)"/> at once instead of crash-looping.
/// </summary>
/// <remarks>PM2's names: autorestart, min_uptime, max_restarts, exp_backoff_restart_delay.</remarks>
public sealed record RestartPolicy
{
    /// <summary>No restarts: a crashed worker stays gone (the notes' cluster without its 'exit' handler).</summary>
    public static RestartPolicy Never { get; } = new() { Enabled = false };

    /// <summary>False: a crashed worker stays gone (see <see cref="Never"/>).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>A worker that dies sooner than this after its fork crashed at start-up, or nearly: unstable. PM2's default, 1 s.</summary>
    public TimeSpan MinUptime { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How many restarts after unstable crashes in a row the primary tries; the next unstable crash gives the place up.</summary>
    public int MaxUnstableRestarts { get; init; } = 10;

    /// <summary>The wait before the first restart after an unstable crash; it doubles with each one in a row.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between restarts.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The wait before restarting after the <paramref name="unstableInARow"/>-th unstable crash in a row (0: a stable worker crashed).</summary>
    public TimeSpan DelayAfter(int unstableInARow)
    {
        if (unstableInARow <= 0) return TimeSpan.Zero;
        var ms = InitialDelay.TotalMilliseconds * Math.Pow(2, Math.Min(unstableInARow - 1, 30));
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxDelay.TotalMilliseconds));
    }

    internal void Validate()
    {
        if (MinUptime < TimeSpan.Zero || InitialDelay < TimeSpan.Zero || MaxDelay < InitialDelay)
            throw new ArgumentOutOfRangeException(nameof(RestartPolicy), "Restart delays cannot be negative, and MaxDelay cannot be below InitialDelay.");
        if (MaxUnstableRestarts < 0) throw new ArgumentOutOfRangeException(nameof(MaxUnstableRestarts), MaxUnstableRestarts, "Cannot be negative.");
    }
}
