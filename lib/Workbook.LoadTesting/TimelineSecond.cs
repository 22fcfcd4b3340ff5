namespace Workbook.LoadTesting;

/// <summary>One second of a run, by completion time.</summary>
public sealed record TimelineSecond(
    int Second,
    long Ok,
    long Failed,
    TimeSpan P50,
    TimeSpan P99,
    IReadOnlyDictionary<string, long> ByAttribution);
