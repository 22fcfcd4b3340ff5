using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Workbook.ClusterTool;

/// <summary>list: every app in the daemon, a row per worker (PM2's pm2 list).</summary>
internal sealed class ListCommand : AsyncCommand
{
    public override async Task<int> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var reply = await DaemonClient.RequestAsync(Home.Current, new JsonObject { ["command"] = "list" });
        var apps = reply["apps"]!.AsArray().OfType<JsonObject>().ToList();
        if (apps.Count == 0) Console.WriteLine("no apps");
        else Print(apps);
        return 0;
    }

    /// <summary>A table of the apps' workers (name, id, pid, status, uptime, restarts, CPU %, memory), then each app's address.</summary>
    public static void Print(IEnumerable<JsonObject> apps)
    {
        var table = new Table().AddColumns(WorkerRow.Columns);
        foreach (var row in apps.SelectMany(WorkerRow.Of)) table.AddRow([.. row.Cells().Select(Markup.Escape)]);
        AnsiConsole.Write(table);
        foreach (var app in apps) Console.WriteLine($"{app["name"]}: {app["url"]} ({app["status"]}); cpu % is the share of one core since the worker started");
    }
}
