using System.Globalization;
using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Workbook.ClusterTool;

/// <summary>
/// How monit shows a <see cref="MonitFrame"/>: for a terminal, Spectre renderables (a table of the workers, a panel of
/// each app's last log lines, the keys); otherwise plain text, a snapshot a script or a log file can read.
/// </summary>
internal sealed class MonitView(Home home, TimeSpan refresh, int lines)
{
    public const string Keys = "q quit (or Ctrl+C)";

    /// <summary>True when stdout is a terminal that takes ANSI codes: the live display; otherwise plain snapshots.</summary>
    public static bool IsTerminal => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Ansi;

    public IRenderable Render(MonitFrame frame)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns(WorkerRow.Columns);
        foreach (var column in table.Columns.Skip(4)) column.RightAligned();
        foreach (var row in frame.Rows)
        {
            var cells = row.Cells().Select(Markup.Escape).ToArray();
            cells[3] = Colour(row.Status);
            table.AddRow(cells);
        }
        var parts = new List<IRenderable> { new Markup($"[bold]dotnet cluster monit[/] {Markup.Escape(Heading(frame))}") };
        parts.Add(frame.Rows.Count == 0 ? new Markup("no apps (dotnet cluster start)") : table);
        foreach (var app in lines == 0 ? [] : frame.Apps)
        {
            var log = frame.Logs[app];
            parts.Add(new Panel(new Text(log.Count == 0 ? " " : string.Join('\n', log))).Header(Markup.Escape(LogHeading(app))).Expand());
        }
        parts.Add(new Markup($"[grey]{Markup.Escape(Keys)}[/]"));
        return new Rows(parts);
    }

    public string Plain(MonitFrame frame)
    {
        var text = new StringBuilder();
        text.AppendLine($"--- {Heading(frame)}");
        if (frame.Rows.Count == 0) text.AppendLine("no apps (dotnet cluster start)");
        else
        {
            var cells = frame.Rows.Select(r => r.Cells()).Prepend(WorkerRow.Columns).ToList();
            var widths = Enumerable.Range(0, WorkerRow.Columns.Length).Select(i => cells.Max(c => c[i].Length)).ToArray();
            foreach (var row in cells) text.AppendLine(string.Join("  ", row.Select((cell, i) => i < 4 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))));
        }
        foreach (var app in lines == 0 ? [] : frame.Apps)
        {
            text.AppendLine($"{LogHeading(app)}:");
            foreach (var line in frame.Logs[app]) text.AppendLine("  " + line);
        }
        return text.ToString();
    }

    /// <summary>e.g. "16:02:05: 1 app, 2 of 2 workers online; cpu % is the share of one core over the last 1 s".</summary>
    private string Heading(MonitFrame frame) =>
        $"{frame.At.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}: {frame.Summary()}; cpu % is the share of one core " +
        $"over the last {refresh.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s";

    private string LogHeading(string app) => $"{app}: the last {(lines == 1 ? "line" : $"{lines} lines")} of {home.AppLog(app)}";

    private static string Colour(string status) => status switch
    {
        "online" => "[green]online[/]",
        "starting" => "[yellow]starting[/]",
        "draining" => "[blue]draining[/]",
        _ => $"[red]{Markup.Escape(status)}[/]",
    };
}
