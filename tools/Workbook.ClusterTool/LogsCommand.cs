using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Workbook.Tools;

namespace Workbook.ClusterTool;

internal sealed class LogsSettings : CommandSettings
{
    [CommandArgument(0, "<name>")]
    [Description("The app's name (see list)")]
    public string Name { get; init; } = "";

    [CommandOption("--lines <N>")]
    [Description("How many of the last lines to print")]
    [DefaultValue(20)]
    [Within(0, 1_000_000)]
    public int Lines { get; init; } = 20;

    [CommandOption("--follow")]
    [Description("Keep printing lines as they are written, until Ctrl+C")]
    public bool Follow { get; init; }
}

/// <summary>logs: every worker's output of an app, each line with its worker's id, from the app's log in the home.</summary>
internal sealed class LogsCommand : AsyncCommand<LogsSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, LogsSettings settings, CancellationToken cancellationToken)
    {
        var path = Home.Current.AppLog(settings.Name);
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"dotnet-cluster: no log of an app named '{settings.Name}' ({path})");
            return 1;
        }
        await using var file = LogTail.Open(path);
        foreach (var line in await LogTail.LastLinesAsync(file, settings.Lines, cancellationToken)) Console.WriteLine(line);
        if (!settings.Follow) return 0;
        using var reader = new StreamReader(file);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        try
        {
            while (true)
            {
                if (await reader.ReadLineAsync(stop.Token) is { } line) Console.WriteLine(line);
                else await Task.Delay(200, stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
    }
}
