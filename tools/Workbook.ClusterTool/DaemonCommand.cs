namespace Workbook.ClusterTool;

/// <summary>
/// <c>dotnet-cluster daemon</c>, the hidden command the CLI starts the daemon with; its own output goes to daemon.log in
/// the home. It bypasses the command line's parser: the daemon compiles every method it runs fully optimized
/// (<see cref="DaemonEnvironment"/>), and the parser's would cost its start about 50 ms.
/// </summary>
internal static class DaemonCommand
{
    public const string Name = "daemon";

    public static async Task<int> RunAsync()
    {
        DaemonEnvironment.ForgetOwn();
        var home = Home.Current.Ensure();
        await using var log = new StreamWriter(Home.Append(home.DaemonLog)) { AutoFlush = true };
        Console.SetOut(TextWriter.Synchronized(log));
        Console.SetError(Console.Out);
        return await new Daemon(home).RunAsync();
    }
}
