using Spectre.Console.Cli;
using Workbook.Benchmarks;
using Workbook.Tools;

// Benchmarks, each a measurement side by side in one run; results in data/benchmarks (options: BenchmarkCommands.cs).
//   Workbook.Benchmarks load-runner | cluster | availability | sessions | soak | report [options]
// report runs what cluster, availability and load-runner measure, side by side, and writes one CSV per topic plus
// report.md (about 25 minutes); soak (20 minutes of dotnet cluster under crashes and reloads) is not part of it.
const string Name = "Workbook.Benchmarks";
if (args.Length == 0)
{
    Console.Error.WriteLine($"{Name}: name a benchmark: load-runner, cluster, availability, sessions, soak or report. See --help.");
    return ToolCommandLine.BadArguments;
}
var app = new CommandApp();
app.Configure(config =>
{
    config.AddExample("report", "--quick");
    config.AddExample("load-runner", "--help"); // each benchmark's options, with their defaults
    config.AddCommand<LoadRunnerCommand>("load-runner")
        .WithDescription("One server (examples/ComputeServer) measured by wrk, ab and our runner, interleaved: can the runner be trusted?");
    config.AddCommand<ClusterCommand>("cluster")
        .WithDescription("Our cluster under each policy against one Kestrel process and against Node's cluster; worker start and memory");
    config.AddCommand<AvailabilityCommand>("availability")
        .WithDescription("Random crashes and rolling restarts under load: ours, the notes' Node code and PM2");
    config.AddCommand<SessionsCommand>("sessions")
        .WithDescription("What cookie affinity and the shared session stores cost (examples/Sessions, two workers)");
    config.AddCommand<SoakCommand>("soak")
        .WithDescription("dotnet cluster for 20 minutes under load, a worker killed every ~2 s, a reload every 30 s: failures on reloads, daemon memory and descriptors");
    config.AddCommand<ReportCommand>("report")
        .WithDescription("cluster, availability, dotnet cluster vs PM2 and load-runner side by side: one CSV per topic and report.md (about 30 minutes)");
});
return await ToolCommandLine.RunAsync(app, Name, args);
