using System.Net.Sockets;
using System.Text.Json.Nodes;
using Workbook.Processes;

namespace Workbook.ClusterTool;

/// <summary>The CLI's end of the daemon's socket: one request, one reply; starts the daemon when asked to and none runs.</summary>
internal static class DaemonClient
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(20);

    /// <summary>Sends <paramref name="request"/>; throws <see cref="DaemonUnreachableException"/> when no daemon answers.</summary>
    public static async Task<JsonObject> RequestAsync(Home home, JsonObject request, bool startIfNeeded = false)
    {
        Socket socket;
        try
        {
            socket = await Wire.ConnectAsync(home.Socket);
        }
        catch (SocketException) when (startIfNeeded)
        {
            socket = await StartDaemonAsync(home);
        }
        catch (SocketException)
        {
            throw new DaemonUnreachableException($"no daemon runs for {home.Folder}: nothing was started there (dotnet cluster start)");
        }
        using (socket)
        {
            await using var stream = new NetworkStream(socket);
            await Wire.WriteAsync(stream, request);
            return await Wire.ReadAsync(new BufferedStream(stream)) ?? Wire.Error("the daemon closed the connection without a reply");
        }
    }

    /// <summary>True while a daemon answers on the home's socket.</summary>
    public static async Task<bool> IsRunningAsync(Home home)
    {
        try
        {
            using var socket = await Wire.ConnectAsync(home.Socket);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task<Socket> StartDaemonAsync(Home home)
    {
        home.Ensure();
        var host = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        // Its own session (setsid) and no stdio of ours: the terminal closing or this command ending does not reach it.
        var daemon = ChildProcess.Spawn(host, [typeof(DaemonClient).Assembly.Location, DaemonCommand.Name],
            new SpawnOptions { Detached = true, Stdio = StdioMode.Ignore, Cwd = home.Folder, Env = DaemonEnvironment.ForDaemon() });
        daemon.Unref();
        var deadline = DateTime.UtcNow + StartLimit;
        while (true)
        {
            try
            {
                return await Wire.ConnectAsync(home.Socket);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && daemon.ExitCode is null)
            {
                await Task.Delay(50);
            }
            catch (SocketException)
            {
                var log = File.Exists(home.DaemonLog) ? string.Join("\n", File.ReadLines(home.DaemonLog).TakeLast(10)) : "";
                throw new DaemonUnreachableException($"the daemon did not start ({(daemon.ExitCode is int code ? $"exit code {code}" : $"no answer within {StartLimit.TotalSeconds:0} s")})" +
                    (log.Length > 0 ? $"; {home.DaemonLog} ends:\n{log}" : ""));
            }
        }
    }
}

internal sealed class DaemonUnreachableException(string message) : Exception(message);
