namespace Workbook.Cluster;

/// <summary>What a rolling restart did: each old worker and the one that took its place.</summary>
/// <param name="Replaced">Each old worker and its replacement, in order.</param>
/// <param name="Elapsed">From the start until the last old worker exited.</param>
/// <param name="Coalesced">Further triggers (calls, SIGUSR2) that arrived while it ran and were folded into it.</param>
public sealed record RollingRestartResult(IReadOnlyList<WorkerReplacement> Replaced, TimeSpan Elapsed, int Coalesced);
