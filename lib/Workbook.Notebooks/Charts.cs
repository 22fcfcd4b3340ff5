using ScottPlot;

namespace Workbook.Notebooks;

/// <summary>Small charts a chapter draws from what it measured.</summary>
public static class Charts
{
    /// <summary>One bar per measurement, each labelled with its value.</summary>
    public static Plot Bars(string title, string unit, IEnumerable<(string Label, double Value)> bars, string format = "N0")
    {
        var items = bars.ToList();
        var plot = new Plot();
        var barPlot = plot.Add.Bars(items.Select(b => b.Value).ToArray());
        for (int i = 0; i < items.Count; i++) barPlot.Bars[i].Label = $"{items[i].Value.ToString(format)} {unit}";
        barPlot.ValueLabelStyle.FontSize = 14;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, items.Count).Select(i => (double)i).ToArray(), items.Select(b => b.Label).ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.Title(title);
        plot.YLabel(unit);
        return plot;
    }

    /// <summary>Groups of bars side by side: one group per label, one coloured series per name (e.g. with and without a restart).</summary>
    public static Plot GroupedBars(string title, string unit, IReadOnlyList<string> groups,
        IEnumerable<(string Name, double[] Values)> series, string format = "N0")
    {
        var all = series.ToList();
        if (all.Any(s => s.Values.Length != groups.Count)) throw new ArgumentException("Every series needs one value per group.", nameof(series));
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        double width = 0.8 / all.Count;
        for (int s = 0; s < all.Count; s++)
        {
            var bars = all[s].Values.Select((v, g) => new Bar
            {
                Position = g + (s - (all.Count - 1) / 2.0) * width,
                Value = v,
                Size = width * 0.95,
                FillColor = palette.GetColor(s),
                Label = v.ToString(format),
            }).ToList();
            var added = plot.Add.Bars(bars);
            added.LegendText = all[s].Name;
            added.ValueLabelStyle.FontSize = 12;
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, groups.Count).Select(i => (double)i).ToArray(), groups.ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.Title(title);
        plot.YLabel(unit);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }
}
