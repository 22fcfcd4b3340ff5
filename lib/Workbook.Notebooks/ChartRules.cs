using ScottPlot;
using Workbook.LoadTesting;

namespace Workbook.Notebooks;

/// <summary>
/// The rules every chart of the workbook follows, applied here so no chapter has to (docs/charts.md says why):
/// rate and latency axes start at zero; event marks are labelled above the data, staggered so no two labels
/// overlap and none runs past the plot; a series of problems (failures, lost sessions) whose size differs from
/// the main series by ten times or more gets an axis of its own on the right, so it is never a flat line at zero;
/// a partial last second is not drawn (it would look like a collapse) and the axis title says so; every chart has a
/// title, units on its axes and a legend outside the data.
/// </summary>
internal static class ChartRules
{
    /// <summary>A problem series gets its own axis when its peak and the main peak differ by this factor or more.</summary>
    public const double OwnAxisRatio = 10;

    public static readonly Color OkColor = Colors.SteelBlue;
    public static readonly Color ProblemColor = Colors.Crimson;
    public static readonly Color MarkColor = Colors.DarkOrange;

    private const float MarkFontSize = 11;
    private const float MarkRowPixels = 17;
    private const int MaxMarkRows = 7;

    /// <summary>One line of a per-second chart: a problem line (failures, lost sessions) may get the right axis.</summary>
    public sealed record Line(string Legend, Color Color, Coordinates[] Points, bool Problem = false, LinePattern? Pattern = null)
    {
        public double Peak => Points.Length == 0 ? 0 : Points.Max(p => p.Y);
    }

    /// <summary>
    /// The seconds to draw: complete ones only (a second that ends after <paramref name="duration"/> is partial), and
    /// how much of a partial last second was left out. A run shorter than a second keeps what it has.
    /// </summary>
    public static (List<T> Drawn, double LeftOut) CompleteSeconds<T>(IEnumerable<T> timeline, Func<T, int> second, TimeSpan duration)
    {
        var offered = timeline.Where(s => second(s) < Math.Ceiling(duration.TotalSeconds - 1e-9)).ToList();
        var complete = offered.Where(s => second(s) + 1 <= duration.TotalSeconds + 0.05).ToList();
        if (complete.Count == 0) return (offered, 0);
        var leftOut = duration.TotalSeconds - (second(complete[^1]) + 1);
        return (complete, leftOut > 0.05 ? leftOut : 0);
    }

    /// <summary>The complete seconds of a load run's timeline (see <see cref="CompleteSeconds"/>), and how much is left out.</summary>
    public static (List<TimelineSecond> Seconds, double LeftOut) Offered(LoadResult result) =>
        CompleteSeconds(result.Timeline, s => s.Second, result.Duration);

    /// <summary>A staircase: each second's value held from its start to its end.</summary>
    public static Coordinates[] Steps<T>(IReadOnlyList<T> seconds, Func<T, int> second, Func<T, double> value) =>
        seconds.SelectMany(s => new[] { new Coordinates(second(s), value(s)), new Coordinates(second(s) + 1, value(s)) }).ToArray();

    /// <summary>The right axis, from zero to <paramref name="top"/>, its title and ticks in the colour of what it carries.</summary>
    public static void RightAxis(Plot plot, string title, Color color, double top)
    {
        plot.Axes.Right.Label.Text = title;
        plot.Axes.Right.Label.ForeColor = color;
        plot.Axes.Right.TickLabelStyle.ForeColor = color;
        plot.Axes.SetLimitsY(0, top, plot.Axes.Right);
    }

    /// <summary>The x-axis title: seconds, and the partial last second that is not drawn, if any.</summary>
    public static string SecondsLabel(double leftOut) =>
        leftOut > 0 ? $"seconds (the last {leftOut:0.0} s, a partial second, not drawn)" : "seconds";

    /// <summary>A per-second chart: staircase lines, problems on their own axis when needed, marks, axes from zero.</summary>
    public static Plot PerSecond(string title, string unit, string problemUnit, double seconds, string xLabel,
        IReadOnlyList<LoadMark> marks, IReadOnlyList<Line> lines)
    {
        var plot = new Plot();
        var mainPeak = lines.Where(l => !l.Problem).Select(l => l.Peak).DefaultIfEmpty(0).Max();
        var problemPeak = lines.Where(l => l.Problem).Select(l => l.Peak).DefaultIfEmpty(0).Max();
        bool ownAxis = NeedsOwnAxis(mainPeak, problemPeak);
        foreach (var l in lines)
        {
            var line = plot.Add.ScatterLine(l.Points, l.Color);
            line.LineWidth = 2;
            line.LegendText = l.Legend;
            if (l.Pattern is { } pattern) line.LinePattern = pattern;
            if (l.Problem && ownAxis) line.Axes.YAxis = plot.Axes.Right;
        }
        Title(plot, title);
        plot.XLabel(xLabel);
        plot.YLabel(unit);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true }; // counts per second
        plot.Axes.Right.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        var xMax = Math.Max(Math.Max(1, seconds), marks.Select(m => m.At.TotalSeconds).DefaultIfEmpty(0).Max());
        plot.Axes.SetLimitsX(0, xMax);

        var labels = AddMarks(plot, marks, xMax, ownAxis);
        var headroom = Headroom(labels.Count == 0 ? 0 : labels.Max(l => l.Row) + 1);
        var leftPeak = ownAxis ? mainPeak : Math.Max(mainPeak, problemPeak);
        var top = Top(leftPeak, headroom);
        plot.Axes.SetLimitsY(0, top, plot.Axes.Left);
        foreach (var (label, _) in labels) label.Location = new Coordinates(label.Location.X, top);
        if (ownAxis)
        {
            // The axis in the colour of its lines when they share one (e.g. "not logged in" in purple), else the problem red.
            var colors = lines.Where(l => l.Problem).Select(l => l.Color).Distinct().ToList();
            RightAxis(plot, problemUnit, colors.Count == 1 ? colors[0] : ProblemColor, Top(problemPeak, headroom));
        }
        plot.ShowLegend(Edge.Bottom);
        return plot;
    }

    /// <summary>The chart's title, wrapped onto a second line at a space when it would not fit the plot's width.</summary>
    public static void Title(Plot plot, string title)
    {
        const float size = 16;
        var fits = (int)((Notebook.PlotSize.Width - 40) / (size * 0.62)); // characters of bold DejaVu Sans that fit
        if (title.Length > fits)
        {
            var cut = title.LastIndexOf(' ', Math.Min(title.Length - 1, fits));
            if (cut > 0) title = title[..cut] + "\n" + title[(cut + 1)..];
        }
        plot.Title(title, size);
    }

    /// <summary>Whether a problem series must get its own axis to be seen (or not to flatten the main one).</summary>
    public static bool NeedsOwnAxis(double mainPeak, double problemPeak) =>
        mainPeak > 0 && problemPeak > 0 && (problemPeak * OwnAxisRatio <= mainPeak || problemPeak >= mainPeak * OwnAxisRatio);

    /// <summary>The top of a zero-based axis: room above the peak for value labels and the rows of mark labels.</summary>
    public static double Top(double peak, double headroom) => Math.Max(1, peak) / (1 - headroom);

    private static double Headroom(int markRows)
    {
        var dataHeight = Math.Max(120, Notebook.PlotSize.Height - 110.0); // title, x axis and its title, legend below
        return Math.Min(0.6, 0.06 + (markRows == 0 ? 0 : (markRows * MarkRowPixels + 6) / dataHeight));
    }

    /// <summary>
    /// Each mark as a dashed vertical line, its label at the top of the plot: in the first row where it overlaps no
    /// other label (estimated from the plot's width), aligned so it never runs past either edge. The labels sit at
    /// y = 0 until the caller knows the axis top (<c>label.Location</c>), each with its row.
    /// </summary>
    public static List<(ScottPlot.Plottables.Text Label, int Row)> AddMarks(Plot plot, IReadOnlyList<LoadMark> marks, double xMax, bool rightAxis)
    {
        var labels = new List<(ScottPlot.Plottables.Text, int)>();
        var dataWidth = Math.Max(200, Notebook.PlotSize.Width - (rightAxis ? 150.0 : 90.0));
        var pixelsPerSecond = dataWidth / xMax;
        var rowEnds = new List<double>();
        var ordered = marks.OrderBy(m => m.At).ToList();
        foreach (var mark in ordered) plot.Add.VerticalLine(mark.At.TotalSeconds, 1.5f, MarkColor, LinePattern.Dashed);
        foreach (var mark in ordered) // after every line, so no line is drawn over a label
        {
            var x = mark.At.TotalSeconds;
            var width = mark.Text.Length * MarkFontSize * 0.62 + 8;
            var center = x * pixelsPerSecond;
            var (left, alignment) = center - width / 2 < 0 ? (center, Alignment.UpperLeft)
                : center + width / 2 > dataWidth ? (center - width, Alignment.UpperRight)
                : (center - width / 2, Alignment.UpperCenter);
            int row = rowEnds.FindIndex(end => end + 4 <= left);
            if (row < 0 && rowEnds.Count < MaxMarkRows) { rowEnds.Add(double.MinValue); row = rowEnds.Count - 1; }
            if (row < 0) row = rowEnds.IndexOf(rowEnds.Min()); // more crowded than the rows allow: the least bad row
            rowEnds[row] = left + width;

            var label = plot.Add.Text(mark.Text, x, 0);
            label.LabelFontSize = MarkFontSize;
            label.LabelFontColor = Colors.White;
            label.LabelBackgroundColor = MarkColor;
            label.LabelAlignment = alignment;
            label.LabelPadding = 2;
            label.OffsetY = 2 + row * MarkRowPixels;
            labels.Add((label, row));
        }
        return labels;
    }
}
