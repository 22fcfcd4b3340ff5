using System.ComponentModel;
using System.Runtime.InteropServices;
using Spectre.Console;
using Spectre.Console.Cli;
using Workbook.Tools;

namespace Workbook.ClusterTool;

internal sealed class MonitSettings : CommandSettings
{
    [CommandArgument(0, "[name]")]
    [Description("The app's name (see list); without it, every app in the daemon")]
    public string? Name { get; init; }

    [CommandOption("--refresh <SECONDS>")]
    [Description("Seconds between refreshes; cpu % is measured over this interval")]
    [DefaultValue(1.0)]
    [Within(0.1, 3600)]
    public double Refresh { get; init; } = 1;

    [CommandOption("--count <N>")]
    [Description("Stop after N refreshes (for scripts); without it, until q or Ctrl+C")]
    [Within(1, double.PositiveInfinity)]
    public int? Count { get; init; }

    [CommandOption("--lines <N>")]
    [Description("How many of each app's last log lines to show")]
    [DefaultValue(5)]
    [Within(0, 100)]
    public int Lines { get; init; } = 5;
}

/// <summary>
/// monit: a live dashboard of the daemon's apps (PM2's pm2 monit), a row per worker and each app's last log lines,
/// refreshed every --refresh. In a terminal, Spectre's live display redrawn in place until q, Ctrl+C or SIGTERM
/// (exit code 0); when stdout is not a terminal, a plain-text snapshot per refresh.
/// </summary>
internal sealed class MonitCommand : AsyncCommand<MonitSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, MonitSettings settings, CancellationToken cancellationToken)
    {
        var home = Home.Current;
        var cpu = new CpuSampler();
        var first = await MonitFrame.ReadAsync(home, settings.Name, cpu, settings.Lines, cancellationToken);
        if (settings.Name is { } name && first.Apps.Count == 0)
        {
            Console.Error.WriteLine($"dotnet-cluster: no app named '{name}' (see dotnet cluster list)");
            return 1; // as every other command answers an unknown name
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var signals = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }
            .Select(s => PosixSignalRegistration.Create(s, c => { c.Cancel = true; stop.Cancel(); })).ToList();
        try
        {
            var view = new MonitView(home, TimeSpan.FromSeconds(settings.Refresh), settings.Lines);
            Task Next(Action<MonitFrame> show) => ShowEachAsync(first, show, () => MonitFrame.ReadAsync(home, settings.Name, cpu, settings.Lines, stop.Token),
                settings, stop.Token);
            if (!MonitView.IsTerminal)
            {
                await Next(frame => Console.Write(view.Plain(frame)));
                return 0;
            }
            var keys = Console.IsInputRedirected ? Task.CompletedTask : QuitOnKeyAsync(stop);
            try
            {
                await AnsiConsole.Live(view.Render(first)).AutoClear(false).Overflow(VerticalOverflow.Ellipsis)
                    .StartAsync(live => Next(frame => live.UpdateTarget(view.Render(frame))));
            }
            finally
            {
                await stop.CancelAsync(); // the keys stop being read, also when the daemon went away
                await keys;
            }
            return 0;
        }
        finally
        {
            signals.ForEach(s => s.Dispose());
        }
    }

    /// <summary>Shows <paramref name="first"/>, then a new frame every --refresh until --count frames were shown or <paramref name="stop"/>.</summary>
    private static async Task ShowEachAsync(MonitFrame first, Action<MonitFrame> show, Func<Task<MonitFrame>> next, MonitSettings settings,
        CancellationToken stop)
    {
        var frame = first;
        for (int shown = 1; ; shown++)
        {
            show(frame);
            if (shown == settings.Count) return;
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(settings.Refresh), stop);
                frame = await next();
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Reads the terminal's keys until q (which stops monit) or <paramref name="stop"/>.</summary>
    private static async Task QuitOnKeyAsync(CancellationTokenSource stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (!Console.KeyAvailable) await Task.Delay(50, stop.Token);
                else if (char.ToLowerInvariant(Console.ReadKey(intercept: true).KeyChar) == 'q') await stop.CancelAsync();
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (InvalidOperationException)
        {
            // No console to read keys from after all: Ctrl+C and SIGTERM still stop it.
        }
    }
}
