using ScottPlot;
using Workbook.LoadTesting;

namespace Workbook.Notebooks;

/// <summary>Charts of load results: what happened over time, latencies, who served what, runs side by side.</summary>
public static class LoadCharts
{
    private static readonly Color OkColor = Colors.SteelBlue;
    private static readonly Color FailedColor = Colors.Crimson;
    private static readonly Color MarkColor = Colors.DarkOrange;

    /// <summary>
    /// Requests per second over the run, ok and failed, one step per second, with the marked events as vertical
    /// lines. Answers that came in after the load stopped (the end grace) are in the totals, not on the chart.
    /// </summary>
    public static Plot Timeline(LoadResult result)
    {
        var seconds = Offered(result);
        List<(string, Color, Coordinates[])> lines = [("ok / s", OkColor, Steps(seconds, s => s.Ok))];
        if (result.Failed > 0) lines.Add(("failed / s", FailedColor, Steps(seconds, s => s.Failed)));
        return PerSecond($"{result.Label}: requests per second", "requests / s", seconds.Count, result.Marks, Alignment.LowerRight, lines);
    }

    /// <summary>A per-second timeline: staircase lines, the marks as vertical lines, the x axis over the offered seconds.</summary>
    internal static Plot PerSecond(string title, string unit, int seconds, IReadOnlyList<LoadMark> marks, Alignment legend,
        IEnumerable<(string Legend, Color Color, Coordinates[] Points)> lines)
    {
        var plot = new Plot();
        foreach (var (text, color, points) in lines)
        {
            var line = plot.Add.ScatterLine(points, color);
            line.LineWidth = 2;
            line.LegendText = text;
        }
        AddMarks(plot, marks);
        plot.Title(title);
        plot.XLabel("seconds");
        plot.YLabel(unit);
        plot.Axes.Margins(bottom: 0, top: 0.1);
        plot.Axes.SetLimitsX(0, Math.Max(1, seconds));
        plot.ShowLegend(legend);
        return plot;
    }

    /// <summary>Latency percentiles (from the HDR histogram), in milliseconds.</summary>
    public static Plot Latency(LoadResult result)
    {
        var l = result.Latency;
        return Charts.Bars($"{result.Label}: latency", "ms",
            [("p50", l.P50.TotalMilliseconds), ("p90", l.P90.TotalMilliseconds), ("p99", l.P99.TotalMilliseconds),
             ("p99.9", l.P999.TotalMilliseconds), ("max", l.Max.TotalMilliseconds)], format: "0.##");
    }

    /// <summary>Responses per value of the attribution header, e.g. per worker pid.</summary>
    public static Plot ByAttribution(LoadResult result, string? title = null)
    {
        if (result.ByAttribution.Count == 0)
            throw new InvalidOperationException("The run recorded no attribution: set LoadTest.AttributeBy to a response header, e.g. \"X-Worker-Pid\".");
        return Charts.Bars(title ?? $"{result.Label}: responses per value", "responses",
            result.ByAttribution.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => (a.Key, (double)a.Value)));
    }

    /// <summary>Two or more runs side by side: their ok/s over time, each labelled with its throughput and p99.</summary>
    public static Plot Compare(params LoadResult[] results)
    {
        if (results.Length == 0) throw new ArgumentException("Nothing to compare.", nameof(results));
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < results.Length; i++)
        {
            var r = results[i];
            var line = plot.Add.ScatterLine(Steps(Offered(r), s => s.Ok), palette.GetColor(i));
            line.LineWidth = 2;
            line.LegendText = $"{r.Label}: {r.Throughput:N0} req/s, p99 {LoadResult.FormatLatency(r.Latency.P99)}" + (r.Failed > 0 ? $", {r.Failed:N0} failed" : "");
        }
        plot.Title("Requests per second, side by side");
        plot.XLabel("seconds");
        plot.YLabel("ok / s");
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    /// <summary>The seconds in which load was offered.</summary>
    private static IReadOnlyList<TimelineSecond> Offered(LoadResult result) =>
        result.Timeline.Where(s => s.Second < Math.Ceiling(result.Duration.TotalSeconds)).ToList();

    /// <summary>A staircase: each second's value held from its start to its end.</summary>
    private static Coordinates[] Steps(IReadOnlyList<TimelineSecond> seconds, Func<TimelineSecond, long> value) =>
        Steps(seconds, s => s.Second, value);

    internal static Coordinates[] Steps<T>(IReadOnlyList<T> seconds, Func<T, int> second, Func<T, long> value) =>
        seconds.SelectMany(s => new[] { new Coordinates(second(s), value(s)), new Coordinates(second(s) + 1, value(s)) }).ToArray();

    internal static void AddMarks(Plot plot, IReadOnlyList<LoadMark> marks)
    {
        foreach (var mark in marks)
        {
            var line = plot.Add.VerticalLine(mark.At.TotalSeconds, 1.5f, MarkColor, LinePattern.Dashed);
            line.Text = mark.Text;
            line.LabelFontSize = 11;
        }
    }
}
