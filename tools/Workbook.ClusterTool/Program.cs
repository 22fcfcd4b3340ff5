using Spectre.Console.Cli;
using Workbook.ClusterTool;
using Workbook.Tools;

// dotnet cluster: runs any ASP.NET Core app (its built .dll, or its project folder) as a cluster of workers on
// one port, with no change to the app (ClusterHosting injects the worker side), in a background daemon that the
// commands reach over a Unix domain socket (Daemon, DaemonClient, Wire), or in the foreground (--no-daemon).
// Everything after the first "--" is the app's own arguments, passed to every worker as it is; the tools' shared
// command line refuses anything it does not know, so the split is made before it parses.
if (args is [DaemonCommand.Name]) return await DaemonCommand.RunAsync();
var split = Array.IndexOf(args, "--");
StartCommand.AppArguments = split < 0 ? [] : args[(split + 1)..];
var app = new CommandApp();
app.Configure(config =>
{
    config.AddCommand<StartCommand>("start")
        .WithDescription("Starts an ASP.NET Core app as a cluster of workers sharing one port, and returns once every worker listens.")
        .WithExample("start", "bin/Release/net10.0/MyApp.dll", "-i", "max", "--port", "5000", "--", "--my-option", "value");
    config.AddCommand<ListCommand>("list").WithDescription("Lists every app in the daemon, a row per worker.");
    config.AddCommand<AppCommand>("reload").WithDescription("Replaces every worker of an app (or all), one at a time, each drained first: no request fails.");
    config.AddCommand<AppCommand>("restart").WithDescription("Ends every worker of an app (or all) at once and starts new ones, as pm2 restart: clients are refused meanwhile.");
    config.AddCommand<ScaleCommand>("scale").WithDescription("Changes how many workers an app runs.");
    config.AddCommand<DescribeCommand>("describe").WithDescription("Shows one app in detail: its .dll, folder, arguments, address and workers.");
    config.AddCommand<AppCommand>("stop").WithDescription("Stops an app's workers (or all apps'); it stays in the list.");
    config.AddCommand<AppCommand>("delete").WithDescription("Stops an app (or all) and removes it from the list.");
    config.AddCommand<MonitCommand>("monit")
        .WithDescription("A live dashboard of every app (or one): a row per worker with its cpu % over the last refresh and memory, and the apps' last log lines.")
        .WithExample("monit", "--refresh", "2");
    config.AddCommand<LogsCommand>("logs").WithDescription("Prints an app's log: every worker's output, each line with its worker's id.");
    config.AddCommand<KillCommand>("kill").WithDescription("Stops every app and the daemon.");
});
try
{
    return await ToolCommandLine.RunAsync(app, "dotnet-cluster", split < 0 ? args : args[..split]);
}
catch (DaemonUnreachableException e)
{
    Console.Error.WriteLine($"dotnet-cluster: {e.Message}");
    return 1;
}
