using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace Workbook.Testing;

/// <summary>What tests need from the machine and the build: a free port, the paths the build wrote into a test assembly.</summary>
public static class TestEnvironment
{
    /// <summary>A port nothing listens on.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A value the test project's build stored as <c>[AssemblyMetadata(key, …)]</c> (paths of programs to start).</summary>
    public static string BuildMetadata(Assembly testAssembly, string key) =>
        testAssembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
