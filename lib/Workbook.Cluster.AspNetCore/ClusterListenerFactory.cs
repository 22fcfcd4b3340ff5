using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workbook.Cluster.Native;

namespace Workbook.Cluster.AspNetCore;

/// <summary>
/// Kestrel's transport in a worker: where its connections come from under each scheduling policy. Round-robin:
/// descriptors handed over by the primary. Reuse-port: an own socket bound with SO_REUSEPORT. Shared: the
/// listening socket inherited from the primary.
/// </summary>
internal sealed class ClusterListenerFactory(WorkerSettings settings, ILoggerFactory loggers) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private const int SOL_SOCKET = 1;
    private const int SO_REUSEPORT = 15;
    private readonly List<IStoppableListener> _listeners = [];

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        IStoppableListener listener = settings.Policy switch
        {
            SchedulingPolicy.RoundRobin => new HandOffListener(endpoint, loggers),
            SchedulingPolicy.ReusePort => new StoppableListener(await Sockets(reusePort: true).BindAsync(endpoint, cancellationToken).ConfigureAwait(false)),
            _ => new StoppableListener(await Sockets(reusePort: false).BindAsync(
                new FileHandleEndPoint(Cluster.WorkerSocketFd, FileHandleType.Tcp), cancellationToken).ConfigureAwait(false), endpoint),
        };
        lock (_listeners) _listeners.Add(listener);
        return listener;
    }

    /// <summary>No new connections: returns when the last one this worker will get has arrived.</summary>
    public Task StopAcceptingAsync()
    {
        lock (_listeners) return Task.WhenAll(_listeners.Select(l => l.StopAcceptingAsync()));
    }

    private SocketTransportFactory Sockets(bool reusePort)
    {
        var options = new SocketTransportOptions();
        if (reusePort)
        {
            options.CreateBoundListenSocket = endpoint =>
            {
                var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                // Raw: SocketOptionName has no SO_REUSEPORT (its numbers are Windows' and mapped per platform).
                socket.SetRawSocketOption(SOL_SOCKET, SO_REUSEPORT, BitConverter.GetBytes(1));
                socket.Bind(endpoint);
                return socket;
            };
        }
        return new SocketTransportFactory(Options.Create(options), loggers);
    }
}

internal interface IStoppableListener : IConnectionListener
{
    Task StopAcceptingAsync();
}

/// <summary>A socket listener that can stop accepting (and close its socket) without stopping the server.</summary>
internal sealed class StoppableListener(IConnectionListener inner, EndPoint? shownAs = null) : IStoppableListener
{
    private readonly CancellationTokenSource _stop = new();

    public EndPoint EndPoint => shownAs ?? inner.EndPoint;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        try
        {
            return await inner.AcceptAsync(both.Token).ConfigureAwait(false);
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

/// <summary>Round-robin: connections arrive as descriptors the primary sends over the hand-off socket (fd 4).</summary>
internal sealed class HandOffListener : IStoppableListener
{
    // Synchronous continuations: Kestrel's accept loop resumes on the receiving thread instead of one more hop
    // through the thread pool, which a new connection per request pays on every request.
    private readonly Channel<Socket> _connections = Channel.CreateUnbounded<Socket>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = true });
    private readonly SocketConnectionContextFactory _contexts;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public HandOffListener(EndPoint endpoint, ILoggerFactory loggers)
    {
        EndPoint = endpoint;
        _contexts = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions(), loggers.CreateLogger<HandOffListener>());
        var receiver = new Thread(Receive) { IsBackground = true, Name = "cluster hand-off" };
        receiver.Start();
    }

    public EndPoint EndPoint { get; }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var socket = await _connections.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return _contexts.Create(socket);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>The primary decides: it sends what it already assigned here, then the end marker.</summary>
    public Task StopAcceptingAsync() => _ended.Task;

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        _connections.Writer.TryComplete();
        _contexts.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Receive()
    {
        try
        {
            while (true)
            {
                var received = FdPassing.Receive(Cluster.WorkerSocketFd);
                if (received.Closed || received.Tag == HandOff.EndTag) return;
                if (received.Fd < 0) continue;
                // As Kestrel's own listener does for every accepted socket: no Nagle delay on small responses.
                var socket = new Socket(new SafeSocketHandle(received.Fd, ownsHandle: true)) { NoDelay = true };
                _connections.Writer.TryWrite(socket);
            }
        }
        finally
        {
            _connections.Writer.TryComplete();
            _ended.TrySetResult();
        }
    }
}
