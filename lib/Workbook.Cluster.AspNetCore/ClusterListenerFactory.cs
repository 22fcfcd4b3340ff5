using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Workbook.Cluster.AspNetCore;

/// <summary>
/// Kestrel's transport in a worker: where its connections come from under each scheduling policy, as
/// <see cref="ClusterChild"/> gives them. Round-robin: the connections the primary hands over. Reuse-port and
/// shared: Kestrel's own socket listener on the worker's listening socket.
/// </summary>
internal sealed class ClusterListenerFactory(ClusterChild child, WorkerState state, ILoggerFactory loggers) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly List<IStoppableListener> _listeners = [];

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        IStoppableListener listener = child.Policy == SchedulingPolicy.RoundRobin
            ? new HandOffListener(endpoint, child.ReceiveConnections(), state, loggers)
            : new StoppableListener(await ListeningSockets().BindAsync(endpoint, cancellationToken).ConfigureAwait(false), state);
        lock (_listeners) _listeners.Add(listener);
        return listener;
    }

    /// <summary>No new connections: returns when the last one this worker will get has arrived.</summary>
    public Task StopAcceptingAsync()
    {
        lock (_listeners) return Task.WhenAll(_listeners.Select(l => l.StopAcceptingAsync()));
    }

    /// <summary>
    /// Before an exit that is not a drain: take no more connections. Round-robin: connections handed over from now
    /// on, and those not yet taken by Kestrel, are closed unread, so the primary gives them to another worker.
    /// </summary>
    public void Refuse()
    {
        lock (_listeners)
        {
            foreach (var listener in _listeners)
            {
                if (listener is HandOffListener handOff) handOff.Refuse();
                else _ = listener.StopAcceptingAsync();
            }
        }
    }

    /// <summary>Kestrel's socket transport, listening on the socket the cluster gives this worker instead of one it binds.</summary>
    private SocketTransportFactory ListeningSockets() => new(Options.Create(new SocketTransportOptions
    {
        CreateBoundListenSocket = _ => child.TakeListeningSocket(),
    }), loggers);
}
