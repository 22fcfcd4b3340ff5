using Microsoft.DotNet.Interactive.Formatting;
using ScottPlot;
using Workbook.Processes;

namespace Workbook.Notebooks.Tests;

public class FormatterTests
{
    [Fact]
    public void A_plot_is_shown_as_an_inline_png_image()
    {
        Notebook.Setup();
        var plot = new Plot();
        plot.Add.Signal(new double[] { 1, 4, 2, 8, 5 });

        var html = plot.ToDisplayString(HtmlFormatter.MimeType);

        const string prefix = "data:image/png;base64,";
        var start = html.IndexOf(prefix, StringComparison.Ordinal);
        Assert.True(start >= 0, html[..Math.Min(200, html.Length)]);
        var base64 = html[(start + prefix.Length)..html.IndexOf('"', start)];
        var png = Convert.FromBase64String(base64);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.True(png.Length > 2000, $"a {Notebook.PlotSize} plot with axes and a line is more than a blank image ({png.Length} bytes)");
    }

    [Fact]
    public async Task A_child_process_and_its_exit_show_as_one_line()
    {
        Notebook.Setup();
        var child = ChildProcess.Spawn("true");
        var exit = await child.Closed;

        Assert.Equal($"true (pid {child.Pid}, exited with code 0)", child.ToDisplayString(PlainTextFormatter.MimeType));
        Assert.Equal("code 0", exit.ToDisplayString(PlainTextFormatter.MimeType));
    }

    [Fact]
    public void Plots_are_drawn_with_the_bundled_font_whatever_the_system_has()
    {
        Notebook.Setup();
        Assert.Equal(Notebook.PlotFont, Fonts.Default);
        Assert.NotNull(Fonts.GetTypeface(Notebook.PlotFont, bold: false, italic: false));
        Assert.NotNull(Fonts.GetTypeface(Notebook.PlotFont, bold: true, italic: false));
    }

    [Fact]
    public void Setup_says_what_the_run_measures_on()
    {
        var line = Notebook.Setup();
        Assert.Contains($"{Environment.ProcessorCount} cores", line);
        Assert.Contains(".NET", line);
    }
}
