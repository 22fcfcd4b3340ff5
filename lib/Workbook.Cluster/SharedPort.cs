using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Workbook.Cluster;

/// <summary>Binding the port the workers share, for every <see cref="ISchedulingHandle"/>: one error for a port in use.</summary>
internal static class SharedPort
{
    /// <summary>A socket bound to <paramref name="endpoint"/>, not listening yet.</summary>
    /// <exception cref="ClusterException">The port is in use, or cannot be bound.</exception>
    public static Socket Bind(IPEndPoint endpoint, ClusterSettings settings)
    {
        var socket = new Socket(settings.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endpoint);
            return socket;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new ClusterException($"Port {settings.Port} on {settings.Address} is in use: another process listens there. Stop it, or choose another port.", e);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ClusterException($"Cannot bind {endpoint}: {e.Message}", e);
        }
    }

    /// <summary>The primary's listening socket on <paramref name="endpoint"/>.</summary>
    /// <exception cref="ClusterException">The port is in use, or cannot be bound.</exception>
    public static Socket Listen(IPEndPoint endpoint, ClusterSettings settings, ILogger? logger)
    {
        var socket = Bind(endpoint, settings);
        socket.Listen(511);
        logger?.LogInformation("primary listening on {Address}:{Port} ({Policy})", settings.Address, PortOf(socket), settings.SchedulingPolicy);
        return socket;
    }

    public static int PortOf(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;
}
