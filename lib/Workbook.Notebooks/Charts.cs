using ScottPlot;

namespace Workbook.Notebooks;

/// <summary>
/// Small charts a chapter draws from what it measured: bars from zero, every category shown (zero included) and
/// labelled with its value, a log scale for values of very different magnitudes (docs/charts.md).
/// </summary>
public static class Charts
{
    /// <summary>
    /// One bar per measurement, each labelled with its value and <paramref name="unit"/>. With
    /// <paramref name="logScale"/> the value axis is logarithmic (for values that differ by orders of magnitude:
    /// a linear axis would flatten all but the largest); a zero then shows as a label on the axis.
    /// </summary>
    public static Plot Bars(string title, string unit, IEnumerable<(string Label, double Value)> bars, string format = "N0", bool logScale = false)
    {
        var items = bars.ToList();
        var scale = Scale.For(items.Select(b => b.Value), logScale);
        var plot = new Plot();
        var barPlot = plot.Add.Bars(items.Select((b, i) => new Bar
        {
            Position = i,
            ValueBase = scale.Base,
            Value = scale.Map(b.Value),
            Label = $"{b.Value.ToString(format)} {unit}",
            FillColor = new ScottPlot.Palettes.Category10().GetColor(0),
        }).ToList());
        barPlot.ValueLabelStyle.FontSize = 14;
        Finish(plot, title, unit, items.Select(b => b.Label).ToList(), scale);
        return plot;
    }

    /// <summary>
    /// Groups of bars side by side: one group per label, one coloured series per name (e.g. with and without a
    /// restart), the legend below the plot. <paramref name="logScale"/> as for <see cref="Bars"/>.
    /// </summary>
    public static Plot GroupedBars(string title, string unit, IReadOnlyList<string> groups,
        IEnumerable<(string Name, double[] Values)> series, string format = "N0", bool logScale = false)
    {
        var all = series.ToList();
        if (all.Any(s => s.Values.Length != groups.Count)) throw new ArgumentException("Every series needs one value per group.", nameof(series));
        var scale = Scale.For(all.SelectMany(s => s.Values), logScale);
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        double width = 0.8 / Math.Max(1, all.Count);
        for (int s = 0; s < all.Count; s++)
        {
            var bars = all[s].Values.Select((v, g) => new Bar
            {
                Position = g + (s - (all.Count - 1) / 2.0) * width,
                ValueBase = scale.Base,
                Value = scale.Map(v),
                Size = width * 0.95,
                FillColor = palette.GetColor(s),
                Label = v.ToString(format),
            }).ToList();
            var added = plot.Add.Bars(bars);
            added.LegendText = all[s].Name;
            added.ValueLabelStyle.FontSize = all.Count * groups.Count > 12 ? 10 : 12;
        }
        Finish(plot, title, unit, groups, scale);
        plot.ShowLegend(Edge.Bottom);
        return plot;
    }

    private static void Finish(Plot plot, string title, string unit, IReadOnlyList<string> labels, Scale scale)
    {
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, labels.Count).Select(i => (double)i).ToArray(), labels.ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.SetLimitsX(-0.6, labels.Count - 0.4);
        plot.Axes.SetLimitsY(scale.Base, scale.Top);
        if (scale.Log)
        {
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = y => Math.Pow(10, y).ToString(y < 0 ? "0.###" : "N0"),
            };
            plot.Axes.Left.Label.Text = $"{unit} (log scale)";
        }
        else plot.YLabel(unit);
        ChartRules.Title(plot, title);
    }

    /// <summary>
    /// The value axis: linear from zero, or log10 from the power of ten at or below the smallest value above zero
    /// (a zero sits on that base, 1 or below: a bar of no height, still labelled).
    /// </summary>
    private sealed record Scale(bool Log, double Base, double Top)
    {
        public double Map(double value) => !Log ? value : value > 0 ? Math.Max(Base, Math.Log10(value)) : Base;

        public static Scale For(IEnumerable<double> values, bool log)
        {
            var all = values.ToList();
            var max = all.DefaultIfEmpty(0).Max();
            if (!log) return new Scale(false, 0, ChartRules.Top(max, 0.13));
            var positive = all.Where(v => v > 0).DefaultIfEmpty(1).ToList();
            // A zero among the values puts the base at 1, so its empty bar does not read as the smallest power of ten shown.
            var bottom = Math.Floor(Math.Log10(positive.Min()));
            if (all.Any(v => v <= 0)) bottom = Math.Min(bottom, 0);
            var top = Math.Log10(Math.Max(positive.Max(), Math.Pow(10, bottom + 1)));
            return new Scale(true, bottom, top + (top - bottom) * 0.15);
        }
    }
}
