namespace Workbook.LoadTesting;

/// <summary>Options of <see cref="LatencyProbe.WhileBusyAsync"/>.</summary>
public sealed record LatencyProbeOptions
{
    /// <summary>A probe is sent this often while the busy request runs, whether or not earlier probes were answered.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How many busy requests run at once.</summary>
    public int BusyRequests { get; init; } = 1;

    /// <summary>Probes sent one after another before the busy request, for the baseline.</summary>
    public int BaselineProbes { get; init; } = 10;

    /// <summary>The whole measurement gives up after this long (bounded: every run ends).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
}
