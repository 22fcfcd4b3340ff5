using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;
using Workbook.LoadTesting;

namespace Workbook.Demo;

/// <summary>
/// What the audience sees, refreshed until the demo stops. In a terminal: Spectre's live display (redrawn in place,
/// plain ANSI, works over SSH, no alternate screen). When stdout is not a terminal: a plain-text snapshot per refresh
/// and each event on a line of its own, so a script or a log file can follow it.
/// </summary>
internal sealed class Dashboard(DemoOptions options, Uri url, WorkerBoard board, DemoLoad load, EventLog log)
{
    public const string Keys = "k kill a worker  r rolling restart  +/- add/remove a worker  l load  q quit";

    public static bool IsTerminal => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Ansi;

    public Task RunAsync(Task stopped) => IsTerminal ? LiveAsync(stopped) : PlainAsync(stopped);

    private async Task LiveAsync(Task stopped)
    {
        await AnsiConsole.Live(Render())
            .AutoClear(false)
            .Overflow(VerticalOverflow.Ellipsis)
            .StartAsync(async context =>
            {
                while (!stopped.IsCompleted)
                {
                    await Task.WhenAny(stopped, Task.Delay(options.Refresh));
                    context.UpdateTarget(Render());
                }
            });
    }

    private async Task PlainAsync(Task stopped)
    {
        log.Added += Console.WriteLine;
        try
        {
            while (!stopped.IsCompleted)
            {
                Console.Write(Snapshot());
                await Task.WhenAny(stopped, Task.Delay(options.Refresh));
            }
        }
        finally
        {
            log.Added -= Console.WriteLine;
        }
    }

    private IRenderable Render()
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("place", "id", "pid", "state", "uptime", "req/s", "restarts");
        foreach (var c in table.Columns.Skip(4)) c.RightAligned();
        var last = load.Last;
        foreach (var row in board.Rows())
        {
            table.AddRow(
                row.Place.ToString(), row.Worker.Id.ToString(), row.Worker.Pid?.ToString() ?? "-",
                Colour(row.State), Uptime(row), Rate(last, row), row.Restarts.ToString());
        }
        var events = log.Recent();
        return new Rows(
            new Markup($"[bold]Workbook demo[/]: the notes' cluster on {Markup.Escape(url.ToString())}, this process is its primary (PID {Environment.ProcessId})"),
            new Markup(Markup.Escape(Summary())),
            table,
            new Panel(new Text(events.Count == 0 ? " " : string.Join('\n', events))).Header("events").Expand(),
            new Markup($"[grey]{Markup.Escape(Keys)}[/]"));
    }

    private string Snapshot()
    {
        var text = new StringBuilder();
        text.AppendLine($"--- {log.Elapsed.TotalSeconds:0.0}s: {Summary()}");
        text.AppendLine($"{"place",5}  {"id",4}  {"pid",7}  {"state",-18}  {"uptime",8}  {"req/s",7}  {"restarts",8}");
        var last = load.Last;
        foreach (var row in board.Rows())
        {
            text.AppendLine($"{row.Place,5}  {row.Worker.Id,4}  {row.Worker.Pid?.ToString() ?? "-",7}  {row.State,-18}  " +
                            $"{Uptime(row),8}  {Rate(last, row),7}  {row.Restarts,8}");
        }
        return text.ToString();
    }

    /// <summary>e.g. "2 workers serving; load on: 1,234 req/s, 5,678 ok, failures: 3 reset".</summary>
    private string Summary()
    {
        var serving = board.Serving().Count;
        var workers = $"{serving} worker{(serving == 1 ? "" : "s")} serving";
        if (!load.IsOn) return $"{workers}; load off (press l)";
        var rate = load.Last is { } last ? $"{last.Rate:N0} req/s" : "starting";
        var failed = load.Failures;
        var failures = failed.Count == 0 ? "none" : string.Join(", ", failed.Select(f => $"{f.Value:N0} {LoadResult.Describe(f.Key)}"));
        return $"{workers}; load on ({options.Clients} clients): {rate}, {load.Ok:N0} ok, failures: {failures}";
    }

    private static string Uptime(WorkerRow row) => $"{row.Uptime.TotalSeconds:0.0}s";

    private static string Rate(LoadSecond? last, WorkerRow row) => last is null ? "-" : $"{last.RateOf(row.Worker.Pid):0}";

    private static string Colour(string state) => state switch
    {
        "listening" => "[green]listening[/]",
        "starting" => "[yellow]starting[/]",
        "draining" => "[blue]draining[/]",
        _ => $"[red]{Markup.Escape(state)}[/]",
    };
}
