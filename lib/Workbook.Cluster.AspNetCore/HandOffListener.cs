using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace Workbook.Cluster.AspNetCore;

/// <summary>
/// Round-robin: Kestrel's connections are the ones the primary hands to this worker (<see cref="HandOffReceiver"/>);
/// each is settled with the primary once it was answered or closed (see <see cref="WorkerState.Accepted"/>).
/// </summary>
internal sealed class HandOffListener(EndPoint endpoint, HandOffReceiver connections, WorkerState state, ILoggerFactory loggers) : IStoppableListener
{
    private readonly SocketConnectionContextFactory _contexts = new(new SocketConnectionFactoryOptions(), loggers.CreateLogger<HandOffListener>());
    private readonly CancellationTokenSource _unbound = new();

    public EndPoint EndPoint => endpoint;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        // Kestrel's accept loop passes no token; an unbind ends it (connections not taken stay with the primary).
        using var both = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token) : null;
        HandedConnection? handed;
        try
        {
            handed = await connections.AcceptAsync(both?.Token ?? _unbound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_unbound.IsCancellationRequested)
        {
            return null;
        }
        if (handed is null) return null;
        var connection = _contexts.Create(handed.Socket);
        state.Accepted(connection, settle: handed.Settle);
        return connection;
    }

    /// <summary>The primary decides: it sends what it already assigned here, then the end marker.</summary>
    public Task StopAcceptingAsync() => connections.Ended;

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _unbound.Cancel();
        return ValueTask.CompletedTask;
    }

    /// <summary>From now on every connection that arrives, or waits for Kestrel, is closed without being read.</summary>
    public void Refuse() => connections.Refuse();

    public ValueTask DisposeAsync()
    {
        _unbound.Cancel();
        _contexts.Dispose();
        return ValueTask.CompletedTask;
    }
}
