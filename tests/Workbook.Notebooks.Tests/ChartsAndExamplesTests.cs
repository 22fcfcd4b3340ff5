using ScottPlot;

namespace Workbook.Notebooks.Tests;

public class ChartsAndExamplesTests
{
    [Fact]
    public void Bars_get_one_labelled_bar_per_measurement()
    {
        var plot = Charts.Bars("Latency", "ms", [("a", 2259), ("b", 6.4)]);

        var bars = plot.GetPlottables().OfType<ScottPlot.Plottables.BarPlot>().Single().Bars;
        Assert.Equal([2259, 6.4], bars.Select(b => b.Value));
        Assert.Equal(["2,259 ms", "6 ms"], bars.Select(b => b.Label));
        Assert.Equal([0x89, (byte)'P'], plot.GetImageBytes(400, 300, ImageFormat.Png)[..2]);
    }

    [Fact]
    public void An_example_that_was_not_built_is_a_clear_error()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Examples.Dll("NoSuchExample"));
        Assert.Contains("The example 'NoSuchExample' is not built", e.Message);
        Assert.Contains("dotnet build", e.Message);
    }
}
