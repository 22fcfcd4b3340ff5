using Spectre.Console.Cli;

namespace Workbook.ClusterTool;

/// <summary>The hidden command the CLI starts the daemon with; its own output goes to daemon.log in the home.</summary>
internal sealed class DaemonCommand : AsyncCommand
{
    public override async Task<int> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        DaemonEnvironment.ForgetOwn();
        var home = Home.Current.Ensure();
        await using var log = new StreamWriter(Home.Append(home.DaemonLog)) { AutoFlush = true };
        Console.SetOut(TextWriter.Synchronized(log));
        Console.SetError(Console.Out);
        return await new Daemon(home).RunAsync();
    }
}
