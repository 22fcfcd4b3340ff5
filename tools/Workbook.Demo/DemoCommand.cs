using System.ComponentModel;
using Spectre.Console.Cli;
using Workbook.Tools;

namespace Workbook.Demo;

/// <summary>The demo's command line. Every bound has a default, so nothing it starts runs forever.</summary>
internal sealed class DemoSettings : CommandSettings
{
    [CommandOption("--port <N>")]
    [Description("The cluster's port on 127.0.0.1; 0: a free one, printed at the start")]
    [DefaultValue(0)]
    [Within(0, 65_535)]
    public int Port { get; init; }

    [CommandOption("--workers <N>")]
    [Description("Workers at the start")]
    [DefaultValue(2)]
    [Within(1, DemoOptions.MaxWorkers)]
    public int Workers { get; init; } = 2;

    [CommandOption("--work <N>")]
    [Description("Loop iterations per request in the workers (the notes' simulated CPU work)")]
    [DefaultValue(10_000L)]
    [Within(0, double.PositiveInfinity)]
    public long Work { get; init; } = 10_000;

    [CommandOption("--clients <N>")]
    [Description("Clients of the built-in load (closed model, keep-alive)")]
    [DefaultValue(4)]
    [Within(1, 256)]
    public int Clients { get; init; } = 4;

    [CommandOption("--refresh <MS>")]
    [Description("Milliseconds between redraws of the table")]
    [DefaultValue(500)]
    [Within(100, 10_000)]
    public int Refresh { get; init; } = 500;

    [CommandOption("--load")]
    [Description("Start with the load on")]
    [DefaultValue(false)]
    public bool Load { get; init; }

    [CommandOption("--load-seconds <S>")]
    [Description("Each time the load is switched on, it stops by itself after this long")]
    [DefaultValue(120)]
    [Within(1, 3_600)]
    public int LoadSeconds { get; init; } = 120;

    [CommandOption("--max-seconds <S>")]
    [Description("The whole demo quits by itself after this long")]
    [DefaultValue(600)]
    [Within(1, 86_400)]
    public int MaxSeconds { get; init; } = 600;

    public DemoOptions ToOptions() => new()
    {
        Port = Port,
        Workers = Workers,
        Work = Work,
        Clients = Clients,
        Refresh = TimeSpan.FromMilliseconds(Refresh),
        Load = Load,
        LoadLimit = TimeSpan.FromSeconds(LoadSeconds),
        MaxDuration = TimeSpan.FromSeconds(MaxSeconds),
    };
}

internal sealed class DemoCommand : AsyncCommand<DemoSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, DemoSettings settings, CancellationToken cancellationToken) =>
        Demo.RunAsync(settings.ToOptions());
}
