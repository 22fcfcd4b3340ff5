using System.Text.Json.Nodes;
using Spectre.Console.Cli;
using Workbook.Cluster;
using Workbook.Cluster.Hosting;

namespace Workbook.ClusterTool;

/// <summary>
/// start: the app's primary runs in the daemon (PM2's start), or with --no-daemon in this process, in the foreground
/// (pm2-runtime's job): it forks the workers with the worker side injected, replaces crashed ones, rolls them on
/// SIGUSR2 (in the daemon: on reload), and stops them on SIGTERM or SIGINT (in the daemon: on stop).
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
        return settings.NoDaemon ? await ForegroundAsync(settings, dll, name, cancellationToken) : await InDaemonAsync(settings, dll, name);
    }

    /// <summary>Hands the app to the daemon (started if none runs) and prints its workers once they all listen.</summary>
    private static async Task<int> InDaemonAsync(StartSettings settings, string dll, string name)
    {
        var reply = await DaemonClient.RequestAsync(Home.Current, new JsonObject
        {
            ["command"] = "start", ["name"] = name, ["dll"] = dll, ["instances"] = settings.Workers, ["port"] = settings.Port, ["pid_header"] = settings.PidHeader,
            ["args"] = new JsonArray([.. AppArguments.Select(a => (JsonNode)a)]),
        }, startIfNeeded: true);
        if (reply["ok"]?.GetValue<bool>() != true)
        {
            Console.Error.WriteLine($"dotnet-cluster: {reply["error"]}");
            return 1;
        }
        Console.WriteLine($"[{name}] started in the background: {reply["workers"]!.AsArray().Count} worker(s) serving {reply["url"]}");
        ListCommand.Print([reply]);
        return 0;
    }

    private static async Task<int> ForegroundAsync(StartSettings settings, string dll, string name, CancellationToken cancellationToken)
    {
        var primary = new ClusterPrimary(new ClusterSettings
        {
            Exec = dll,
            Args = AppArguments,
            Cwd = Path.GetDirectoryName(dll), // the app's content root: its appsettings.json and wwwroot
            Env = ClusterHosting.WorkerEnvironment(pidHeader: settings.PidHeader),
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
