using Spectre.Console.Cli;
using Workbook.ClusterTool;
using Workbook.Tools;

// dotnet cluster: runs any ASP.NET Core app (its built .dll, or its project folder) as a cluster of workers on
// one port, with no change to the app (ClusterHosting injects the worker side). Commands: StartCommand.
// Everything after the first "--" is the app's own arguments, passed to every worker as it is; the tools' shared
// command line refuses anything it does not know, so the split is made before it parses.
var split = Array.IndexOf(args, "--");
StartCommand.AppArguments = split < 0 ? [] : args[(split + 1)..];
var app = new CommandApp();
app.Configure(config =>
{
    config.AddCommand<StartCommand>("start")
        .WithDescription("Starts an ASP.NET Core app as a cluster of workers sharing one port, and returns once every worker listens.")
        .WithExample("start", "bin/Release/net10.0/MyApp.dll", "-i", "max", "--port", "5000", "--no-daemon", "--", "--my-option", "value");
});
return await ToolCommandLine.RunAsync(app, "dotnet-cluster", split < 0 ? args : args[..split]);
