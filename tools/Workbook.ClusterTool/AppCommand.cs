using System.ComponentModel;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Workbook.ClusterTool;

internal sealed class AppSettings : CommandSettings
{
    [CommandArgument(0, "<name>")]
    [Description("The app's name (see list), or all")]
    public string Name { get; init; } = "";
}

/// <summary>
/// reload (every worker replaced one at a time, each drained first: nothing fails), restart (all at once, as PM2's:
/// clients are refused meanwhile), stop (the workers end, the app stays in the list) and delete (stopped and
/// removed), for one app or all, in the daemon.
/// </summary>
internal sealed class AppCommand : AsyncCommand<AppSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, AppSettings settings, CancellationToken cancellationToken)
    {
        var command = context.Name;
        var reply = await DaemonClient.RequestAsync(Home.Current, new JsonObject { ["command"] = command, ["name"] = settings.Name });
        if (reply["ok"]?.GetValue<bool>() != true)
        {
            Console.Error.WriteLine($"dotnet-cluster: {reply["error"]}");
            return 1;
        }
        foreach (var app in reply["apps"]!.AsArray().OfType<JsonObject>())
        {
            Console.WriteLine(command switch
            {
                "reload" => $"[{app["name"]}] reloaded: {app["replaced"]} worker(s) replaced, one at a time",
                "restart" => $"[{app["name"]}] restarted: every worker ended at once and new ones listen",
                "stop" => $"[{app["name"]}] stopped",
                _ => $"[{app["name"]}] deleted",
            });
        }
        return 0;
    }
}

/// <summary>kill: the daemon stops every app and exits (PM2's pm2 kill).</summary>
internal sealed class KillCommand : AsyncCommand
{
    public override async Task<int> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var home = Home.Current;
        await DaemonClient.RequestAsync(home, new JsonObject { ["command"] = "kill" });
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await DaemonClient.IsRunningAsync(home) && DateTime.UtcNow < deadline) await Task.Delay(100, cancellationToken);
        if (await DaemonClient.IsRunningAsync(home))
        {
            Console.Error.WriteLine("dotnet-cluster: the daemon still answers after 60 s");
            return 1;
        }
        AnsiConsole.WriteLine("daemon stopped, every app with it");
        return 0;
    }
}

internal sealed class ScaleSettings : CommandSettings
{
    [CommandArgument(0, "<name>")]
    [Description("The app's name (see list)")]
    public string Name { get; init; } = "";

    [CommandArgument(1, "<N>")]
    [Description("How many workers it should run: more are forked, the newest drained until only N run")]
    public int Instances { get; init; }
}

/// <summary>scale: changes how many workers an app runs (PM2's pm2 scale), back when the new ones listen or the removed ones exited.</summary>
internal sealed class ScaleCommand : AsyncCommand<ScaleSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ScaleSettings settings, CancellationToken cancellationToken)
    {
        var reply = await DaemonClient.RequestAsync(Home.Current, new JsonObject { ["command"] = "scale", ["name"] = settings.Name, ["instances"] = settings.Instances });
        if (reply["ok"]?.GetValue<bool>() != true)
        {
            Console.Error.WriteLine($"dotnet-cluster: {reply["error"]}");
            return 1;
        }
        ListCommand.Print([reply]);
        return 0;
    }
}

/// <summary>describe: one app in detail (PM2's pm2 describe): where it runs from, its arguments, its workers.</summary>
internal sealed class DescribeCommand : AsyncCommand<AppSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, AppSettings settings, CancellationToken cancellationToken)
    {
        var home = Home.Current;
        var reply = await DaemonClient.RequestAsync(home, new JsonObject { ["command"] = "describe", ["name"] = settings.Name });
        if (reply["ok"]?.GetValue<bool>() != true)
        {
            Console.Error.WriteLine($"dotnet-cluster: {reply["error"]}");
            return 1;
        }
        var table = new Table().AddColumns("", "").HideHeaders();
        foreach (var key in new[] { "name", "status", "url", "dll", "cwd", "args", "policy", "uptime_s", "primary_pid" })
            table.AddRow(key == "primary_pid" ? "primary (daemon) pid" : key == "uptime_s" ? "uptime (s)" : key, Markup.Escape(reply[key]?.ToJsonString().Trim('"') ?? "-"));
        table.AddRow("log", Markup.Escape(home.AppLog(settings.Name)));
        AnsiConsole.Write(table);
        ListCommand.Print([reply]);
        return 0;
    }
}

