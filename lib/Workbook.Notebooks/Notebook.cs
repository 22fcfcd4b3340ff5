using System.Runtime.InteropServices;
using Microsoft.DotNet.Interactive.Formatting;
using ScottPlot;
using Workbook.LoadTesting;
using Workbook.Processes;

namespace Workbook.Notebooks;

/// <summary>The first cell of every chapter calls <see cref="Setup"/>.</summary>
public static class Notebook
{
    private static int _setUp;

    /// <summary>Size, in pixels, at which plots are shown inline.</summary>
    public static (int Width, int Height) PlotSize { get; set; } = (720, 360);

    /// <summary>
    /// Registers how the workbook's values show in a cell (plots as inline PNG images, child processes and
    /// their exits as one line), makes children started with inherited stdio print into the cell, and returns a
    /// line that says what this run measures on.
    /// </summary>
    public static string Setup()
    {
        if (Interlocked.Exchange(ref _setUp, 1) == 0)
        {
            UseBundledFont();
            Formatter.Register<Plot>((plot, writer) =>
                writer.Write(plot.GetPngHtml(PlotSize.Width, PlotSize.Height)), HtmlFormatter.MimeType);
            Formatter.Register<ChildProcess>(child => child.ToString(), PlainTextFormatter.MimeType);
            Formatter.SetPreferredMimeTypesFor(typeof(ChildProcess), PlainTextFormatter.MimeType);
            Formatter.Register<ChildExit>(exit => exit.ToString(), PlainTextFormatter.MimeType);
            Formatter.SetPreferredMimeTypesFor(typeof(ChildExit), PlainTextFormatter.MimeType);
            Formatter.Register<BusyLatency>(result => result.ToString(), PlainTextFormatter.MimeType);
            Formatter.Register<LoadResult>((result, writer) => writer.Write(LoadView.Html(result)), HtmlFormatter.MimeType);
            Formatter.Register<SessionLoadResult>((result, writer) => writer.Write(SessionView.Html(result)), HtmlFormatter.MimeType);
            Formatter.SetPreferredMimeTypesFor(typeof(BusyLatency), PlainTextFormatter.MimeType);

            // The kernel's own stdout is its protocol channel: "inherit" must mean the cell's output.
            ChildProcess.InheritedStdioRedirect = new InheritedStdio(() => Console.Out, () => Console.Error);
        }
        return $"Workbook ready: {RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription}, " +
               $"{Environment.ProcessorCount} cores.";
    }

    /// <summary>A logger that writes into the running cell, e.g. for a cluster's lifecycle: <c>Logger = Notebook.Logger("cluster")</c>.</summary>
    public static Microsoft.Extensions.Logging.ILogger Logger(string category) => new CellLogger(category);

    /// <summary>The font plots are drawn with (DejaVu Sans, shipped next to this library).</summary>
    public const string PlotFont = "Workbook Sans";

    private static void UseBundledFont()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Fonts");
        var here = Path.GetDirectoryName(typeof(Notebook).Assembly.Location);
        if (!string.IsNullOrEmpty(here)) folder = Path.Combine(here, "Fonts");
        var regular = Path.Combine(folder, "DejaVuSans.ttf");
        if (!File.Exists(regular)) return; // fall back to whatever fonts the system has
        Fonts.AddFontFile(PlotFont, regular, bold: false, italic: false);
        Fonts.AddFontFile(PlotFont, Path.Combine(folder, "DejaVuSans-Bold.ttf"), bold: true, italic: false);
        Fonts.Default = PlotFont;
    }
}
