using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Workbook.Tools;

namespace Workbook.ClusterTool;

internal sealed class StartSettings : CommandSettings
{
    [CommandArgument(0, "<app>")]
    [Description("The app: its built .dll, or its project folder (built first, Release); or an ecosystem file (cluster.json) of apps, whose settings then apply")]
    public string App { get; init; } = "";

    [CommandOption("-i|--instances <N>")]
    [Description("How many workers: a number, or max (one per core)")]
    [DefaultValue("max")]
    public string Instances { get; init; } = "max";

    [CommandOption("--port <PORT>")]
    [Description("The port every worker serves, on 127.0.0.1")]
    [DefaultValue(8080)]
    [Within(0, 65535)]
    public int Port { get; init; } = 8080;

    [CommandOption("--name <NAME>")]
    [Description("The app's name in list, reload, logs, … (default: the .dll's name)")]
    public string? Name { get; init; }

    [CommandOption("--pid-header")]
    [Description("Add X-Worker-Pid (the answering worker's pid) to every response, to see the load spread; off by default, as it changes the app's responses")]
    public bool PidHeader { get; init; }

    [CommandOption("--max-memory-restart <SIZE>")]
    [Description("Replace a worker (a rolling step: nothing fails) once its resident memory passes this: bytes, or 200M, 1G")]
    public string? MaxMemoryRestart { get; init; }

    [CommandOption("--watch")]
    [Description("Reload (rolling: nothing fails) whenever the app's .dll is rebuilt")]
    public bool Watch { get; init; }

    [CommandOption("--log-max-size <SIZE>")]
    [Description("Rotate the app's log (in the daemon) once it passes this size: bytes, or 10M; three older logs are kept")]
    [DefaultValue("10M")]
    public string LogMaxSize { get; init; } = "10M";

    [CommandOption("--no-daemon")]
    [Description("Run in the foreground, as pm2-runtime does in a container: SIGUSR2 reloads, SIGTERM or SIGINT stops, the exit code says how it ended. Without it the app runs in the background daemon")]
    public bool NoDaemon { get; init; }

    /// <summary>The number of workers <see cref="Instances"/> asks for.</summary>
    public int Workers => Instances == "max" ? Environment.ProcessorCount : int.Parse(Instances, System.Globalization.CultureInfo.InvariantCulture);

    public override ValidationResult Validate()
    {
        if (Instances != "max" && (!int.TryParse(Instances, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 1 || n > 256))
            return ValidationResult.Error($"-i|--instances needs a whole number from 1 to 256 or max, not '{Instances}'.");
        if (MaxMemoryRestart is not null && AppSpec.ParseMemory(MaxMemoryRestart) is null)
            return ValidationResult.Error($"--max-memory-restart needs a size in bytes or with K, M or G (200M), not '{MaxMemoryRestart}'.");
        if (AppSpec.ParseMemory(LogMaxSize) is null)
            return ValidationResult.Error($"--log-max-size needs a size in bytes or with K, M or G (10M), not '{LogMaxSize}'.");
        if (Name is not null && AppSpec.NameProblem(Name) is { } problem)
            return ValidationResult.Error($"--name {problem}.");
        return ValidationResult.Success();
    }
}
