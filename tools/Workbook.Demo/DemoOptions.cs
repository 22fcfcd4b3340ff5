namespace Workbook.Demo;

/// <summary>What the demo runs with, from its command line (<see cref="DemoSettings"/>).</summary>
internal sealed record DemoOptions
{
    public const int MaxWorkers = 16;

    /// <summary>0: a free port, printed at the start.</summary>
    public int Port { get; init; }

    public int Workers { get; init; } = 2;

    /// <summary>Loop iterations per request in the workers (the notes' simulated CPU work): small, so the load shows many requests.</summary>
    public long Work { get; init; } = 10_000;

    /// <summary>Clients of the built-in load (closed model: each sends its next request when the last one is answered).</summary>
    public int Clients { get; init; } = 4;

    public TimeSpan Refresh { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Start with the load on.</summary>
    public bool Load { get; init; }

    /// <summary>Each time the load is switched on it stops by itself after this long.</summary>
    public TimeSpan LoadLimit { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The whole demo quits by itself after this long.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromMinutes(10);
}
