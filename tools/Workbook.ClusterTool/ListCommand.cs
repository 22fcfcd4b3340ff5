using System.Globalization;
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
        var table = new Table().AddColumns("app", "id", "pid", "status", "uptime", "restarts", "cpu %", "memory");
        foreach (var app in apps)
        {
            var workers = app["workers"]!.AsArray().OfType<JsonObject>().ToList();
            if (workers.Count == 0) table.AddRow(Text(app["name"]), "-", "-", Text(app["status"]), "-", "-", "-", "-");
            foreach (var w in workers)
            {
                table.AddRow(Text(app["name"]), Text(w["id"]), Text(w["pid"]), Text(w["status"]), $"{Number(w["uptime_s"], "0")} s",
                    Text(w["restarts"]), Number(w["cpu_percent"], "0.0"), $"{Number(w["memory_mib"], "0.0")} MiB");
            }
        }
        AnsiConsole.Write(table);
        foreach (var app in apps) Console.WriteLine($"{app["name"]}: {app["url"]} ({app["status"]}); cpu % is the share of one core since the worker started");
    }

    private static string Number(JsonNode? node, string format) => node!.GetValue<double>().ToString(format, CultureInfo.InvariantCulture);

    private static string Text(JsonNode? node) => Markup.Escape(node?.ToString() ?? "-");
}
