namespace Workbook.LoadTesting;

/// <summary>Latency percentiles of the requests that got a response (2xx or not), from an HDR histogram.</summary>
public sealed record LatencySummary(long Count, TimeSpan Mean, TimeSpan P50, TimeSpan P90, TimeSpan P99, TimeSpan P999, TimeSpan Max);
