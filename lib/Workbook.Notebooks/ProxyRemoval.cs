namespace Workbook.Notebooks;

/// <summary>
/// A backend taken out of the proxy: how many of its requests were in flight once the proxy had stopped choosing it,
/// how long the last of them then took to finish (0 when there were none), and whether some were still running after
/// the proxy's 30 s limit.
/// </summary>
public sealed record ProxyRemoval(string Name, int InFlightAtRemoval, double DrainedMs, bool TimedOut);
