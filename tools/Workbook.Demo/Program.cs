using Spectre.Console.Cli;
using Workbook.Demo;
using Workbook.Tools;

// The instructor's demo: the notes' cluster with a live table of its workers and keys to break it.
//   dotnet run --project tools/Workbook.Demo -- --workers 2 --load
// Options: DemoSettings; keys: Dashboard.Keys. With stdin redirected, keys are read as characters and its end
// quits; with stdout redirected, the dashboard prints plain snapshots.
var app = new CommandApp<DemoCommand>().WithDescription(
    "The notes' cluster (examples/Cluster workers on 127.0.0.1) with a live table of its workers and keys to break it. " +
    $"Keys: {Dashboard.Keys}. With stdin redirected, keys are read as characters and its end quits. The load goes to 127.0.0.1 only.");
return await ToolCommandLine.RunAsync(app, "Workbook.Demo", args);
