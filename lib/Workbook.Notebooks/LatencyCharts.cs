using ScottPlot;
using Workbook.LoadTesting;

namespace Workbook.Notebooks;

/// <summary>
/// Latency over time: how long the answers took, second by second, for one or more runs on one chart. This is where
/// a queue shows: below capacity the line stays flat, above it every second is slower than the one before.
/// </summary>
public static class LatencyCharts
{
    /// <summary>
    /// The p99 latency of each second of each run (by when the answers came), one staircase line per run, from zero,
    /// in milliseconds, every step labelled with its value, so a run far below another stays readable. Only the seconds
    /// in which load was offered are drawn; answers that came in after the load stopped are in the totals, not here.
    /// </summary>
    /// <exception cref="ArgumentException">No runs, or a run without a second in which requests were answered.</exception>
    public static Plot PerSecond(string title, params LoadResult[] results)
    {
        if (results.Length == 0) throw new ArgumentException("Nothing to draw: pass at least one run.", nameof(results));
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        double top = 0, leftOut = 0;
        int seconds = 0;
        for (int i = 0; i < results.Length; i++)
        {
            var run = results[i];
            leftOut = Math.Max(leftOut, ChartRules.CompleteSeconds(run.Timeline, s => s.Second, run.Duration).LeftOut);
            var answered = Offered(run).Where(s => s.Ok + s.Failed > 0).ToList();
            if (answered.Count == 0) throw new ArgumentException($"'{run.Label}' has no second with answers to draw.", nameof(results));
            var color = palette.GetColor(i);
            var points = answered.SelectMany(s => new[] { new Coordinates(s.Second, Ms(s.P99)), new Coordinates(s.Second + 1, Ms(s.P99)) }).ToArray();
            var line = plot.Add.ScatterLine(points, color);
            line.LineWidth = 3;
            line.LegendText = $"{run.Label}: p99 {LoadResult.FormatLatency(run.Latency.P99)} over the run";
            // Labels staggered across the step by run, so two runs with close values do not print over each other.
            foreach (var second in answered)
            {
                var label = plot.Add.Text(LoadResult.FormatLatency(second.P99), second.Second + (i + 1.0) / (results.Length + 1), Ms(second.P99));
                label.LabelFontColor = color;
                label.LabelFontSize = 12;
                label.LabelBold = true;
                label.LabelAlignment = Alignment.LowerCenter;
            }
            top = Math.Max(top, answered.Max(s => Ms(s.P99)));
            seconds = Math.Max(seconds, answered.Max(s => s.Second) + 1);
        }
        ChartRules.Title(plot, title);
        plot.XLabel($"{ChartRules.SecondsLabel(leftOut)}, by when the answer came");
        plot.YLabel("p99 latency (ms)");
        plot.Axes.SetLimitsX(0, seconds);
        plot.Axes.SetLimitsY(0, ChartRules.Top(top, 0.2)); // room above the highest step for its label
        plot.ShowLegend(Edge.Bottom); // outside the data: it never hides a step or a label
        return plot;
    }

    /// <summary>The p99 and p50 of each offered second, e.g. "p99 by second: 3.1 · 2.9 · 3.3 ms; p50 by second: …".</summary>
    public static string PerSecondText(LoadResult result)
    {
        var seconds = Offered(result).Where(s => s.Ok + s.Failed > 0).ToList();
        if (seconds.Count == 0) return $"{result.Label}: no answers in the offered seconds";
        return $"{result.Label}: p99 by second {string.Join(" → ", seconds.Select(s => LoadResult.FormatLatency(s.P99)))}; " +
               $"p50 by second {string.Join(" → ", seconds.Select(s => LoadResult.FormatLatency(s.P50)))}";
    }

    /// <summary>The complete seconds in which load was offered (a partial last second is left out, as in every per-second chart).</summary>
    internal static IReadOnlyList<TimelineSecond> Offered(LoadResult result) =>
        ChartRules.CompleteSeconds(result.Timeline, s => s.Second, result.Duration).Drawn;

    private static double Ms(TimeSpan t) => t.TotalMilliseconds;
}
