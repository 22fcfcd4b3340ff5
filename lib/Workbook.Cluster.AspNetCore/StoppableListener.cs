using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Workbook.Cluster.AspNetCore;

/// <summary>A socket listener that can stop accepting (and close its socket) without stopping the server.</summary>
internal sealed class StoppableListener(IConnectionListener inner, WorkerState state) : IStoppableListener
{
    private readonly CancellationTokenSource _stop = new();

    public EndPoint EndPoint => inner.EndPoint;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        try
        {
            var connection = await inner.AcceptAsync(both.Token).ConfigureAwait(false);
            if (connection is not null) state.Accepted(connection, settle: null);
            return connection;
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return null; // Kestrel's accept loop for this endpoint ends
        }
    }

    public async Task StopAcceptingAsync()
    {
        _stop.Cancel();
        await inner.UnbindAsync().ConfigureAwait(false);
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => inner.UnbindAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
