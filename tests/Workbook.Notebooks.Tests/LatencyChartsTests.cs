using HdrHistogram;
using ScottPlot;
using Workbook.LoadTesting;

namespace Workbook.Notebooks.Tests;

public class LatencyChartsTests
{
    /// <summary>A run of <paramref name="seconds"/> offered seconds whose answers come from <paramref name="timeline"/> (p99 in ms, answers).</summary>
    private static LoadResult Run(string label, double seconds, long requests, params (double P99, long Ok)[] timeline) => new()
    {
        Label = label,
        Url = new Uri("http://127.0.0.1:1/"),
        Profile = "test",
        Connection = ConnectionMode.KeepAlive,
        Duration = TimeSpan.FromSeconds(seconds),
        StoppedBy = StopReason.Time,
        Requests = requests,
        Ok = timeline.Sum(t => t.Ok),
        Unfinished = requests - timeline.Sum(t => t.Ok),
        Failures = Enum.GetValues<FailureReason>().ToDictionary(r => r, _ => 0L),
        StatusCodes = new Dictionary<int, long>(),
        Latency = new LatencySummary(1, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(9),
            TimeSpan.FromMilliseconds(timeline.Max(t => t.P99)), TimeSpan.FromMilliseconds(timeline.Max(t => t.P99)), TimeSpan.FromMilliseconds(timeline.Max(t => t.P99))),
        Timeline = timeline.Select((t, i) => new TimelineSecond(i, t.Ok, 0, TimeSpan.FromMilliseconds(t.P99 / 2), TimeSpan.FromMilliseconds(t.P99),
            new Dictionary<string, long>())).ToList(),
        ByAttribution = new Dictionary<string, long>(),
        Marks = [],
        LatencyHistogram = new LongHistogram(1, 1_000_000, 2),
    };

    [Fact]
    public void Per_second_p99_lines_start_from_zero_and_label_every_step_even_a_run_far_below_the_other()
    {
        // Three offered seconds; the fourth holds answers that came in the end grace and is not drawn.
        var below = Run("below", 3, 300, (3.1, 100), (2.9, 100), (3.3, 100));
        var above = Run("above", 3, 900, (400, 200), (900, 200), (1500, 200), (1800, 50));

        var plot = LatencyCharts.PerSecond("p99 by second", below, above);

        var lines = plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal([3.1, 3.1, 2.9, 2.9, 3.3, 3.3], lines[0].Data.GetScatterPoints().Select(p => Math.Round(p.Y, 1)));
        Assert.Equal(6, lines[1].Data.GetScatterPoints().Count); // the grace second is left out
        Assert.StartsWith("below: p99", lines[0].LegendText);
        var labels = plot.GetPlottables().OfType<ScottPlot.Plottables.Text>().Select(t => t.LabelText).ToList();
        Assert.Equal(["3.10 ms", "2.90 ms", "3.30 ms", "400 ms", "900 ms", "1,500 ms"], labels);
        var limits = plot.Axes.GetLimits();
        Assert.Equal(0, limits.Bottom);
        Assert.True(limits.Top > 1500);
        Assert.Equal((0, 3), (limits.Left, limits.Right));
        Assert.Equal("p99 by second", plot.Axes.Title.Label.Text);
        Assert.Equal([0x89, (byte)'P'], plot.GetImageBytes(600, 400, ImageFormat.Png)[..2]);
    }

    [Fact]
    public void A_run_far_below_another_gets_the_right_axis_from_zero_and_close_ones_share()
    {
        var plot = LatencyCharts.PerSecond("p99", Run("below", 3, 300, (8, 100), (13, 100), (10, 100)), Run("above", 3, 300, (500, 100), (1_100, 100), (1_700, 100)));
        var lines = plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().ToList();
        var below = lines.Single(l => l.LegendText.StartsWith("below"));
        Assert.Same(plot.Axes.Right, below.Axes.YAxis);
        Assert.EndsWith("(right axis)", below.LegendText);
        var right = plot.Axes.GetLimits(plot.Axes.Bottom, plot.Axes.Right);
        Assert.Equal(0, right.Bottom);
        Assert.InRange(right.Top, 13, 1_000);
        Assert.Equal("p99 (ms), below", plot.Axes.Right.Label.Text);

        var close = LatencyCharts.PerSecond("p99", Run("one", 2, 200, (300, 100), (400, 100)), Run("two", 2, 200, (500, 100), (900, 100)));
        Assert.All(close.GetPlottables().OfType<ScottPlot.Plottables.Scatter>(), l => Assert.NotSame(close.Axes.Right, l.Axes.YAxis));
        Assert.Equal(0, close.Axes.GetLimits().Bottom);
    }

    [Fact]
    public void A_partial_last_second_is_left_out_and_nothing_to_draw_is_a_clear_error()
    {
        var partial = Run("partial", 2.5, 30, (10, 10), (20, 10), (30, 10));
        Assert.Equal(4, LatencyCharts.PerSecond("t", partial).GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Single().Data.GetScatterPoints().Count);
        Assert.Equal("partial: p99 by second 10 ms → 20 ms; p50 by second 5.00 ms → 10 ms", LatencyCharts.PerSecondText(partial));

        Assert.Throws<ArgumentException>(() => LatencyCharts.PerSecond("t"));
        var e = Assert.Throws<ArgumentException>(() => LatencyCharts.PerSecond("t", Run("silent", 3, 5, (1, 0))));
        Assert.Contains("'silent' has no second with answers", e.Message);
    }

    [Fact]
    public void The_backlog_is_what_was_sent_less_what_was_answered_in_time_in_seconds_of_work()
    {
        var above = Run("above", 3, 900, (400, 200), (900, 200), (1500, 200), (1800, 50));

        var backlog = Backlog.Of(above);

        Assert.Equal(300, backlog.Waiting);
        Assert.Equal(200, backlog.AnsweredPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(1.5), backlog.WorkLeft);
        Assert.Equal("above: sent 900, answered 600 in its 3 s (200/s); 300 still waiting when the load stopped = 1.50 s of work at that rate", backlog.ToString());
        Assert.Equal(0, Backlog.Of(Run("kept up", 3, 300, (3, 100), (3, 100), (3, 100))).Waiting);
    }
}
