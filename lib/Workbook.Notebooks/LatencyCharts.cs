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
    /// in milliseconds, every step labelled with its value; a run whose slowest second is under a tenth of the slowest
    /// run's is drawn against the right axis (also from zero), so its line does not lie flat on the bottom. Only the seconds
    /// in which load was offered are drawn; answers that came in after the load stopped are in the totals, not here.
    /// </summary>
    /// <exception cref="ArgumentException">No runs, or a run without a second in which requests were answered.</exception>
    public static Plot PerSecond(string title, params LoadResult[] results)
    {
        if (results.Length == 0) throw new ArgumentException("Nothing to draw: pass at least one run.", nameof(results));
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var drawn = results.Select(run =>
        {
            var (offered, leftOut) = ChartRules.Offered(run);
            var answered = offered.Where(s => s.Ok + s.Failed > 0).ToList();
            if (answered.Count == 0) throw new ArgumentException($"'{run.Label}' has no second with answers to draw.", nameof(results));
            return (Run: run, Answered: answered, Peak: answered.Max(s => Ms(s.P99)), LeftOut: leftOut);
        }).ToList();
        // A run far below the slowest one (by ChartRules.OwnAxisRatio) gets the right axis, from zero, so its line is not flat on the bottom.
        var peak = drawn.Max(d => d.Peak);
        bool OnRight(double runPeak) => runPeak > 0 && runPeak * ChartRules.OwnAxisRatio <= peak;
        double leftTop = 0, rightTop = 0;
        int seconds = 0;
        for (int i = 0; i < drawn.Count; i++)
        {
            var (run, answered, runPeak, _) = drawn[i];
            var right = OnRight(runPeak);
            var color = palette.GetColor(i);
            var line = plot.Add.ScatterLine(ChartRules.Steps(answered, s => s.Second, s => Ms(s.P99)), color);
            line.LineWidth = 3;
            line.LegendText = $"{run.Label}: p99 {LoadResult.FormatLatency(run.Latency.P99)} over the run{(right ? " (right axis)" : "")}";
            if (right) line.Axes.YAxis = plot.Axes.Right;
            // Labels staggered across the step by run, so two runs with close values do not print over each other.
            foreach (var second in answered)
            {
                var label = plot.Add.Text(LoadResult.FormatLatency(second.P99), second.Second + (i + 1.0) / (results.Length + 1), Ms(second.P99));
                label.LabelFontColor = color;
                label.LabelFontSize = 12;
                label.LabelBold = true;
                label.LabelAlignment = Alignment.LowerCenter;
                if (right) label.Axes.YAxis = plot.Axes.Right;
            }
            if (right) rightTop = Math.Max(rightTop, runPeak);
            else leftTop = Math.Max(leftTop, runPeak);
            seconds = Math.Max(seconds, answered.Max(s => s.Second) + 1);
        }
        ChartRules.Title(plot, title);
        plot.XLabel($"{ChartRules.SecondsLabel(drawn.Max(d => d.LeftOut))}, by when the answer came");
        plot.YLabel("p99 latency (ms)");
        plot.Axes.SetLimitsX(0, seconds);
        plot.Axes.SetLimitsY(0, ChartRules.Top(leftTop, 0.2)); // room above the highest step for its label
        if (rightTop > 0)
        {
            var rightRuns = drawn.Select((d, i) => (d, i)).Where(x => OnRight(x.d.Peak)).ToList();
            var (axisTitle, axisColor) = rightRuns.Count == 1 ? ($"p99 (ms), {rightRuns[0].d.Run.Label}", palette.GetColor(rightRuns[0].i)) : ("p99 (ms), right-axis runs", Colors.Black);
            ChartRules.RightAxis(plot, axisTitle, axisColor, ChartRules.Top(rightTop, 0.2));
            plot.Axes.Right.Label.FontSize = 14;
        }
        plot.ShowLegend(Edge.Bottom); // outside the data: it never hides a step or a label
        return plot;
    }

    /// <summary>The p99 and p50 of each offered second, e.g. "p99 by second: 3.1 · 2.9 · 3.3 ms; p50 by second: …".</summary>
    public static string PerSecondText(LoadResult result)
    {
        var seconds = ChartRules.Offered(result).Seconds.Where(s => s.Ok + s.Failed > 0).ToList();
        if (seconds.Count == 0) return $"{result.Label}: no answers in the offered seconds";
        return $"{result.Label}: p99 by second {string.Join(" → ", seconds.Select(s => LoadResult.FormatLatency(s.P99)))}; " +
               $"p50 by second {string.Join(" → ", seconds.Select(s => LoadResult.FormatLatency(s.P50)))}";
    }

    private static double Ms(TimeSpan t) => t.TotalMilliseconds;
}
