namespace Workbook.LoadTesting;

/// <summary>How a cheap endpoint answered before and while expensive requests were running.</summary>
public sealed record BusyLatency(
    string Label,
    IReadOnlyList<TimeSpan> Baseline,
    IReadOnlyList<ProbeSample> WhileBusy,
    TimeSpan BusyDuration,
    string BusyResponse)
{
    public TimeSpan BaselineMedian => Median(Baseline);
    public TimeSpan MedianWhileBusy => Median(WhileBusy.Select(s => s.Latency).ToList());
    public TimeSpan MaxWhileBusy => WhileBusy.Count == 0 ? TimeSpan.Zero : WhileBusy.Max(s => s.Latency);
    public int FailedProbes => WhileBusy.Count(s => !s.Ok);

    public override string ToString() =>
        $"{Label}: the probe answered in {Ms(BaselineMedian)} (median) before; while the busy request ran ({Ms(BusyDuration)}), " +
        $"{WhileBusy.Count} probes took {Ms(MedianWhileBusy)} (median) and {Ms(MaxWhileBusy)} (max)" +
        (FailedProbes > 0 ? $", {FailedProbes} failed" : "") + ".";

    private static string Ms(TimeSpan t) => t.TotalMilliseconds >= 100 ? $"{t.TotalMilliseconds:N0} ms" : $"{t.TotalMilliseconds:0.0} ms";

    private static TimeSpan Median(IReadOnlyList<TimeSpan> values)
    {
        if (values.Count == 0) return TimeSpan.Zero;
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
