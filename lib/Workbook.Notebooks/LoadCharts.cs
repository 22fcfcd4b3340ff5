using ScottPlot;
using Workbook.LoadTesting;

namespace Workbook.Notebooks;

/// <summary>Charts of load results: what happened over time, latencies, who served what, runs side by side.</summary>
public static class LoadCharts
{
    /// <summary>
    /// Requests per second over the run, ok and failed, one step per second, with the marked events as vertical
    /// lines (docs/charts.md: axes from zero, failures on their own axis when they dwarf or are dwarfed by ok/s, a
    /// partial last second left out). Answers that came in after the load stopped (the end grace) are in the
    /// totals, not on the chart.
    /// </summary>
    public static Plot Timeline(LoadResult result)
    {
        var (seconds, leftOut) = ChartRules.Offered(result);
        List<ChartRules.Line> lines = [new("ok / s", ChartRules.OkColor, Steps(seconds, s => s.Ok))];
        if (result.Failed > 0) lines.Add(new("failed / s", ChartRules.ProblemColor, Steps(seconds, s => s.Failed), Problem: true));
        return ChartRules.PerSecond($"{result.Label}: requests per second", "requests / s", "failed / s", seconds.Count,
            ChartRules.SecondsLabel(leftOut), result.Marks, lines);
    }

    /// <summary>Latency percentiles (from the HDR histogram), in milliseconds.</summary>
    public static Plot Latency(LoadResult result)
    {
        var l = result.Latency;
        return Charts.Bars($"{result.Label}: latency", "ms",
            [("p50", l.P50.TotalMilliseconds), ("p90", l.P90.TotalMilliseconds), ("p99", l.P99.TotalMilliseconds),
             ("p99.9", l.P999.TotalMilliseconds), ("max", l.Max.TotalMilliseconds)], format: "0.##");
    }

    /// <summary>
    /// Responses per value of the attribution header, e.g. per worker pid. Values in <paramref name="expected"/> that
    /// answered nothing get a bar of zero (an idle worker is a finding, not a gap). The bars are in ordinal order of
    /// their values; <paramref name="axis"/> names what the values are (e.g. "worker (pid)").
    /// </summary>
    public static Plot ByAttribution(LoadResult result, string? title = null, IEnumerable<string>? expected = null, string? axis = null)
    {
        if (result.ByAttribution.Count == 0 && expected is null)
            throw new InvalidOperationException("The run recorded no attribution: set LoadTest.AttributeBy to a response header, e.g. \"X-Worker-Pid\".");
        var keys = result.ByAttribution.Keys.Union(expected ?? []).Order(StringComparer.Ordinal);
        var plot = Charts.Bars(title ?? $"{result.Label}: responses per value", "responses",
            keys.Select(k => (k, (double)result.ByAttribution.GetValueOrDefault(k))));
        plot.XLabel(axis ?? "answered by (the value of the run's AttributeBy header)");
        return plot;
    }

    /// <summary>
    /// Two or more runs side by side: ok/s of each over time, and failed/s (dashed, same colour) of each run that had
    /// failures — on their own axis when they are ten times smaller or larger than ok/s. Each legend entry carries the
    /// run's throughput, p99 and failures.
    /// </summary>
    public static Plot Compare(params LoadResult[] results)
    {
        if (results.Length == 0) throw new ArgumentException("Nothing to compare.", nameof(results));
        var palette = new ScottPlot.Palettes.Category10();
        var lines = new List<ChartRules.Line>();
        int longest = 0;
        double leftOut = 0;
        for (int i = 0; i < results.Length; i++)
        {
            var r = results[i];
            var (seconds, partial) = ChartRules.Offered(r);
            longest = Math.Max(longest, seconds.Count);
            leftOut = Math.Max(leftOut, partial);
            var legend = $"{r.Label}: {r.Throughput:N0} req/s, p99 {LoadResult.FormatLatency(r.Latency.P99)}, {(r.Failed > 0 ? $"{r.Failed:N0} failed" : "none failed")}";
            lines.Add(new(legend, palette.GetColor(i), Steps(seconds, s => s.Ok)));
            if (r.Failed > 0) lines.Add(new($"{r.Label}: failed / s", palette.GetColor(i), Steps(seconds, s => s.Failed), Problem: true, LinePattern.Dashed));
        }
        return ChartRules.PerSecond("Requests per second, side by side", "ok / s", "failed / s", longest,
            ChartRules.SecondsLabel(leftOut), [], lines);
    }

    /// <summary>A staircase of one field of a run's seconds.</summary>
    private static Coordinates[] Steps(IReadOnlyList<TimelineSecond> seconds, Func<TimelineSecond, long> value) =>
        ChartRules.Steps(seconds, s => s.Second, s => value(s));
}
