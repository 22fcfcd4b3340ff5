using HdrHistogram;
using ScottPlot;
using Workbook.LoadTesting;

namespace Workbook.Notebooks.Tests;

/// <summary>The chart rules of docs/charts.md, on results built to provoke each one.</summary>
public class ChartRulesTests
{
    private static LoadResult Result(string label, double seconds, (long Ok, long Failed)[] perSecond, params LoadMark[] marks) => new()
    {
        Label = label, Url = new Uri("http://127.0.0.1:1/"), Profile = "test", Connection = ConnectionMode.KeepAlive,
        Duration = TimeSpan.FromSeconds(seconds), StoppedBy = StopReason.Time,
        Requests = perSecond.Sum(s => s.Ok + s.Failed), Ok = perSecond.Sum(s => s.Ok), Unfinished = 0,
        Failures = new Dictionary<FailureReason, long> { [FailureReason.Refused] = perSecond.Sum(s => s.Failed) },
        StatusCodes = new Dictionary<int, long>(),
        Latency = new LatencySummary(1, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1),
            TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(3), TimeSpan.FromMilliseconds(4)),
        Timeline = perSecond.Select((s, i) => new TimelineSecond(i, s.Ok, s.Failed, TimeSpan.Zero, TimeSpan.Zero, new Dictionary<string, long>())).ToList(),
        ByAttribution = new Dictionary<string, long>(),
        Marks = marks,
        LatencyHistogram = new LongHistogram(1_000_000, 3),
    };

    private static ScottPlot.Plottables.Scatter[] Lines(Plot plot) => plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().ToArray();
    private static AxisLimits Left(Plot plot) => plot.Axes.GetLimits(plot.Axes.Bottom, plot.Axes.Left);

    [Fact]
    public void A_rate_axis_starts_at_zero_even_when_every_second_is_far_above_it()
    {
        var plot = LoadCharts.Timeline(Result("busy", 3, [(1_900, 0), (1_940, 0), (1_760, 0)]));
        Assert.Equal(0, Left(plot).Bottom);
        Assert.True(Left(plot).Top >= 1_940);
    }

    [Fact]
    public void Failures_of_another_magnitude_get_their_own_axis_and_similar_ones_share()
    {
        var dwarfed = LoadCharts.Timeline(Result("few failures", 3, [(30_000, 2), (29_000, 19), (30_000, 0)]));
        var failed = Lines(dwarfed).Single(l => l.LegendText == "failed / s");
        Assert.Same(dwarfed.Axes.Right, failed.Axes.YAxis);
        Assert.Equal(0, dwarfed.Axes.GetLimits(dwarfed.Axes.Bottom, dwarfed.Axes.Right).Bottom);
        Assert.True(dwarfed.Axes.GetLimits(dwarfed.Axes.Bottom, dwarfed.Axes.Right).Top >= 19);

        var dwarfing = LoadCharts.Timeline(Result("refusals", 3, [(300, 0), (280, 18_000), (0, 60_000)]));
        Assert.Same(dwarfing.Axes.Right, Lines(dwarfing).Single(l => l.LegendText == "failed / s").Axes.YAxis);

        var similar = LoadCharts.Timeline(Result("some failures", 3, [(600, 100), (500, 300), (600, 0)]));
        Assert.NotSame(similar.Axes.Right, Lines(similar).Single(l => l.LegendText == "failed / s").Axes.YAxis); // the default (left) axis
    }

    [Fact]
    public void Compare_draws_each_runs_failures_dashed_in_its_colour()
    {
        var plot = LoadCharts.Compare(Result("drained", 2, [(500, 0), (500, 0)]), Result("no drain", 2, [(480, 300), (490, 149)]));
        var lines = Lines(plot);
        Assert.Equal(3, lines.Length);
        var failed = lines.Single(l => l.LegendText == "no drain: failed / s");
        Assert.Equal(LinePattern.Dashed, failed.LinePattern);
        Assert.Equal(lines.Single(l => l.LegendText.StartsWith("no drain: 4")).Color, failed.Color);
        Assert.EndsWith("449 failed", lines.Single(l => l.LegendText.StartsWith("no drain: 4")).LegendText);
        Assert.EndsWith("none failed", lines.Single(l => l.LegendText.StartsWith("drained")).LegendText);
    }

    [Fact]
    public void A_partial_last_second_is_not_drawn_and_the_axis_says_so()
    {
        var plot = LoadCharts.Timeline(Result("ended early", 2.4, [(1_000, 0), (1_000, 0), (300, 0)]));
        Assert.Equal(4, Lines(plot).Single().Data.GetScatterPoints().Count); // two whole seconds
        Assert.Equal("seconds (the last 0.4 s, a partial second, not drawn)", plot.Axes.Bottom.Label.Text);
        Assert.Equal("seconds", LoadCharts.Timeline(Result("whole", 3, [(1, 0), (1, 0), (1, 0)])).Axes.Bottom.Label.Text);
    }

    [Fact]
    public void Mark_labels_close_together_go_to_separate_rows_and_the_axis_reaches_the_last_mark()
    {
        var marks = new[] { new LoadMark(TimeSpan.FromSeconds(3.0), "restart"), new LoadMark(TimeSpan.FromSeconds(3.1), "exit 1"),
                            new LoadMark(TimeSpan.FromSeconds(3.2), "up 3"), new LoadMark(TimeSpan.FromSeconds(8), "crash 2"),
                            new LoadMark(TimeSpan.FromSeconds(10.3), "up 4") };
        var plot = LoadCharts.Timeline(Result("marked", 10, Enumerable.Repeat((500L, 0L), 10).ToArray(), marks));

        var labels = plot.GetPlottables().OfType<ScottPlot.Plottables.Text>().ToList();
        Assert.Equal(marks.Select(m => m.Text), labels.Select(l => l.LabelText));
        Assert.Equal(3, labels.Take(3).Select(l => l.OffsetY).Distinct().Count()); // three rows for three close marks
        Assert.Equal(labels[0].OffsetY, labels[3].OffsetY); // a mark far away shares the first row
        Assert.Equal(Alignment.UpperRight, labels[4].LabelAlignment); // at the right edge, it reads leftwards
        Assert.All(labels, l => Assert.Equal(Left(plot).Top, l.Location.Y));
        Assert.True(Left(plot).Right >= 10.3);
        Assert.True(Left(plot).Top > 500 * 1.2); // room above the data for the rows of labels
    }

    [Fact]
    public void Attribution_shows_an_expected_value_that_served_nothing()
    {
        var result = Result("one busy worker", 1, [(10, 0)]) with { ByAttribution = new Dictionary<string, long> { ["101"] = 10 } };
        var bars = LoadCharts.ByAttribution(result, "per worker", expected: ["101", "202"]).GetPlottables().OfType<ScottPlot.Plottables.BarPlot>().Single().Bars;
        Assert.Equal([10.0, 0.0], bars.Select(b => b.Value));
        Assert.Equal("0 responses", bars[1].Label);
    }

    [Fact]
    public void A_log_scale_keeps_small_bars_visible_beside_a_huge_one()
    {
        var plot = Charts.Bars("failed", "requests", [("ours", 0), ("pm2", 37), ("node", 509_762)], logScale: true);
        var bars = plot.GetPlottables().OfType<ScottPlot.Plottables.BarPlot>().Single().Bars;
        Assert.Equal(["0 requests", "37 requests", "509,762 requests"], bars.Select(b => b.Label));
        Assert.All(bars, b => Assert.Equal(0, b.ValueBase)); // a zero among them: the axis starts at 10^0 = 1, not at 10
        var noZero = Charts.Bars("failed", "requests", [("pm2", 37), ("node", 509_762)], logScale: true)
            .GetPlottables().OfType<ScottPlot.Plottables.BarPlot>().Single().Bars;
        Assert.All(noZero, b => Assert.Equal(1, b.ValueBase)); // the power of ten at or below the smallest value
        Assert.Equal(Math.Log10(37), bars[1].Value, 6);
        Assert.Equal(bars[0].ValueBase, bars[0].Value); // a zero: no height, still labelled
        Assert.Equal("requests (log scale)", plot.Axes.Left.Label.Text);

        var linear = Charts.Bars("t", "ms", [("a", 10), ("b", 20)]);
        Assert.Equal(0, Left(linear).Bottom);
    }

    [Fact]
    public void A_title_too_long_for_the_plot_wraps_at_a_space()
    {
        var title = "Recorded: failed requests across two rolling restarts, ours vs Node's SIGUSR2 code vs pm2 reload";
        var text = Charts.Bars(title, "requests", [("a", 1)]).Axes.Title.Label.Text;
        Assert.Equal(title, text.Replace("\n", " "));
        Assert.Single(text, '\n');
        Assert.Equal("short", Charts.Bars("short", "x", [("a", 1)]).Axes.Title.Label.Text);
    }
}
