using Spectre.Console.Cli;
using Workbook.Cluster;
using Workbook.Cluster.Hosting;

namespace Workbook.ClusterTool;

/// <summary>
/// start --no-daemon: this process is the app's primary, in the foreground (pm2-runtime's job): it forks the workers
/// with the worker side injected, replaces crashed ones, rolls them on SIGUSR2, and stops them on SIGTERM or SIGINT.
/// </summary>
internal sealed class StartCommand : AsyncCommand<StartSettings>
{
    /// <summary>The app's own arguments (after "--" on the command line), for every worker.</summary>
    public static IReadOnlyList<string> AppArguments { get; set; } = [];

    public override async Task<int> ExecuteAsync(CommandContext context, StartSettings settings, CancellationToken cancellationToken)
    {
        var (dll, problem) = await AppTarget.ResolveAsync(settings.App, Console.Out);
        if (dll is null)
        {
            Console.Error.WriteLine($"dotnet-cluster: {problem}");
            return 2;
        }
        var name = settings.Name ?? Path.GetFileNameWithoutExtension(dll);
        var primary = new ClusterPrimary(new ClusterSettings
        {
            Exec = dll,
            Args = AppArguments,
            Cwd = Path.GetDirectoryName(dll), // the app's content root: its appsettings.json and wwwroot
            Env = ClusterHosting.WorkerEnvironment(),
            Workers = settings.Workers,
            Port = settings.Port,
        });
        primary.Listening += (worker, _) => Console.WriteLine($"[{name}] worker {worker.Id} listening (pid {worker.Pid})");
        primary.Restarting += (worker, _) => Console.WriteLine($"[{name}] worker {worker.Id} (pid {worker.Pid}) exited; starting a new one");
        primary.GaveUp += (worker, tries) => Console.WriteLine($"[{name}] worker {worker.Id} crashed at start-up {tries} times in a row: its place is given up");
        using var signals = primary.HandleSignals();
        try
        {
            await primary.StartAsync(cancellationToken);
        }
        catch (ClusterException e)
        {
            Console.Error.WriteLine($"dotnet-cluster: {name} did not start: {e.Message}");
            await primary.DisposeAsync();
            return 1;
        }
        Console.WriteLine($"[{name}] {settings.Workers} worker(s) serving {primary.Url} (primary pid {Environment.ProcessId}); SIGUSR2 reloads, SIGTERM stops");
        var signal = await primary.ShutdownRequested;
        Console.WriteLine($"[{name}] {signal}: stopping the workers");
        await primary.DisposeAsync();
        return 0;
    }
}
