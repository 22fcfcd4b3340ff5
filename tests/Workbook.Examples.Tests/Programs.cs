using System.Net;
using System.Net.Sockets;

namespace Workbook.Examples.Tests;

/// <summary>The example programs these tests run as processes, and what the tests wait for.</summary>
internal static class Programs
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>examples/Cluster: the notes' cluster.js + server.js.</summary>
    public static string ClusterExample { get; } = Dll("Cluster");

    /// <summary>examples/Sessions: the login app of chapter 07 (session store and affinity chosen by flags).</summary>
    public static string SessionsExample { get; } = Dll("Sessions");

    /// <summary>examples/Proxy: YARP in front of several instances (chapter 08).</summary>
    public static string ProxyExample { get; } = Dll("Proxy");

    /// <summary>examples/RedisServer: Garnet, a Redis-protocol server in a process of its own.</summary>
    public static string RedisServerExample { get; } = Dll("RedisServer");

    /// <summary>Where the build put examples/<paramref name="name"/> (every example is built before these tests: see the csproj).</summary>
    public static string Dll(string name) => Path.Combine(Metadata("ArtifactsBin"), name, Metadata("Configuration"), name + ".dll");

    public static int FreePort() => Workbook.Testing.TestEnvironment.FreePort();

    /// <summary>Whether the port can be bound again; gives the process that still has it a moment to let go.</summary>
    public static async Task<string?> PortStillTaken(int port, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return null;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
            catch (SocketException e)
            {
                return e.Message;
            }
        }
    }

    private static string Metadata(string key) => Workbook.Testing.TestEnvironment.BuildMetadata(typeof(Programs).Assembly, key);
}
