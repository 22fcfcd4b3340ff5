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
        var (specs, errors) = settings.App.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? Ecosystem.Read(settings.App)
            : ([new AppSpec("", settings.App, settings.Workers, settings.Port) { Args = AppArguments, PidHeader = settings.PidHeader, Watch = settings.Watch, LogMaxBytes = AppSpec.ParseMemory(settings.LogMaxSize)!.Value, MaxMemory = settings.MaxMemoryRestart is { } size ? AppSpec.ParseMemory(size) : null }], []);
        if (errors.Count == 0 && specs.Count > 1 && settings.NoDaemon) errors.Add("--no-daemon runs one app; an ecosystem file of several runs in the daemon");
        var resolved = new List<AppSpec>();
        foreach (var spec in errors.Count == 0 ? specs : [])
        {
            var (dll, problem) = await AppTarget.ResolveAsync(spec.App, Console.Out);
            if (dll is null) errors.Add(problem!);
            else resolved.Add(spec with { App = dll, Name = spec.Name.Length > 0 ? spec.Name : settings.Name ?? Path.GetFileNameWithoutExtension(dll) });
        }
        if (errors.Count > 0)
        {
            var file = settings.App.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? $"{settings.App}: " : "";
            foreach (var error in errors) Console.Error.WriteLine($"dotnet-cluster: {file}{error}");
            return 2;
        }
        if (settings.NoDaemon) return await ForegroundAsync(resolved[0], cancellationToken);
        foreach (var spec in resolved)
        {
            if (await InDaemonAsync(spec) is var code and not 0) return code;
        }
        return 0;
    }

    /// <summary>Hands the app to the daemon (started if none runs) and prints its workers once they all listen.</summary>
    private static async Task<int> InDaemonAsync(AppSpec spec)
    {
        var request = spec.ToJson();
        request["command"] = "start";
        var reply = await DaemonClient.RequestAsync(Home.Current, request, startIfNeeded: true);
        if (reply["ok"]?.GetValue<bool>() != true)
        {
            Console.Error.WriteLine($"dotnet-cluster: {reply["error"]}");
            return 1;
        }
        Console.WriteLine($"[{spec.Name}] started in the background: {reply["workers"]!.AsArray().Count} worker(s) serving {reply["url"]}");
        ListCommand.Print([reply]);
        return 0;
    }

    private static async Task<int> ForegroundAsync(AppSpec spec, CancellationToken cancellationToken)
    {
        var name = spec.Name;
        var primary = new ClusterPrimary(ManagedApp.Settings(spec));
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
        Console.WriteLine($"[{name}] {spec.Instances} worker(s) serving {primary.Url} (primary pid {Environment.ProcessId}); SIGUSR2 reloads, SIGTERM stops");
        using var watch = spec.Watch ? Watch.Start(spec.App, () => primary, Console.WriteLine) : null;
        using var memoryLimit = spec.MaxMemory is long max ? MemoryLimit.Watch(() => primary, max, Console.WriteLine, _ => { }) : null;
        var signal = await primary.ShutdownRequested;
        Console.WriteLine($"[{name}] {signal}: stopping the workers");
        await primary.DisposeAsync();
        return 0;
    }
}
