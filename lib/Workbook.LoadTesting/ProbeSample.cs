namespace Workbook.LoadTesting;

/// <summary>One probe request: when it was sent (from the start of the busy request) and how long it took.</summary>
public sealed record ProbeSample(TimeSpan SentAt, TimeSpan Latency, bool Ok);
