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
}
