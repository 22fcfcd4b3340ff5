namespace Workbook.LoadTesting;

/// <summary>
/// A progress snapshot of a run, from <see cref="LoadRun.Progress"/>: the counts so far, while it runs and after.
/// <paramref name="CurrentRate"/> is the 2xx answers of the last complete second (during the first second: of the part so
/// far, per second); <paramref name="Unfinished"/>: abandoned in flight at its end, once it ended.
/// </summary>
public sealed record LoadProgress(TimeSpan Elapsed, TimeSpan Duration, long Requests, long Ok, long Failed, long InFlight, double CurrentRate,
    long Unfinished = 0)
{
    /// <summary>Failed requests so far by reason (they add up to <see cref="Failed"/>).</summary>
    public IReadOnlyDictionary<FailureReason, long> Failures { get; init; } = new Dictionary<FailureReason, long>();

    /// <summary>
    /// Responses so far (any status) per value of <see cref="LoadTest.AttributeBy"/>, e.g. per worker pid: what
    /// <see cref="LoadResult.ByAttribution"/> will say at the end, live. Empty when the test does not attribute.
    /// </summary>
    public IReadOnlyDictionary<string, long> ByAttribution { get; init; } = new Dictionary<string, long>();

    /// <summary>Responses per second (any status) per value of <see cref="LoadTest.AttributeBy"/>, over the same second as <see cref="CurrentRate"/>.</summary>
    public IReadOnlyDictionary<string, double> CurrentRateByAttribution { get; init; } = new Dictionary<string, double>();
}
