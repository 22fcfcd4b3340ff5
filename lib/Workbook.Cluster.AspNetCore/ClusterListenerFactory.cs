using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workbook.Cluster.Native;
using Workbook.Processes.Native;

namespace Workbook.Cluster.AspNetCore;

/// <summary>
/// Kestrel's transport in a worker: where its connections come from under each scheduling policy. Round-robin:
/// descriptors handed over by the primary. Reuse-port: an own socket bound with SO_REUSEPORT. Shared: the
/// listening socket inherited from the primary.
/// </summary>
internal sealed class ClusterListenerFactory(WorkerSettings settings, WorkerState state, ILoggerFactory loggers) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private const int SOL_SOCKET = 1;
    private const int SO_REUSEPORT = 15;
    private readonly List<IStoppableListener> _listeners = [];

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        IStoppableListener listener = settings.Policy switch
        {
            SchedulingPolicy.RoundRobin => new HandOffListener(endpoint, state, loggers),
            SchedulingPolicy.ReusePort => new StoppableListener(await Sockets(reusePort: true).BindAsync(endpoint, cancellationToken).ConfigureAwait(false), state),
            _ => new StoppableListener(await Sockets(reusePort: false).BindAsync(
                new FileHandleEndPoint(Cluster.WorkerSocketFd, FileHandleType.Tcp), cancellationToken).ConfigureAwait(false), state, endpoint),
        };
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
internal sealed class StoppableListener(IConnectionListener inner, WorkerState state, EndPoint? shownAs = null) : IStoppableListener
{
    private readonly CancellationTokenSource _stop = new();

    public EndPoint EndPoint => shownAs ?? inner.EndPoint;

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

/// <summary>
/// Round-robin: connections arrive as descriptors the primary sends over the hand-off socket (fd 4), each with an
/// id; the worker sends the id back once it answered that connection or closed it (see RoundRobinHandle).
/// </summary>
internal sealed class HandOffListener : IStoppableListener
{
    // Synchronous continuations: Kestrel's accept loop resumes on the receiving thread instead of one more hop
    // through the thread pool, which a new connection per request pays on every request.
    private readonly Channel<(Socket Socket, uint Id)> _connections = Channel.CreateUnbounded<(Socket, uint)>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = true });
    private readonly SocketConnectionContextFactory _contexts;
    private readonly WorkerState _state;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _refusing;

    public HandOffListener(EndPoint endpoint, WorkerState state, ILoggerFactory loggers)
    {
        EndPoint = endpoint;
        _state = state;
        _contexts = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions(), loggers.CreateLogger<HandOffListener>());
        var receiver = new Thread(Receive) { IsBackground = true, Name = "cluster hand-off" };
        receiver.Start();
    }

    public EndPoint EndPoint { get; }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var (socket, id) = await _connections.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var connection = _contexts.Create(socket);
            _state.Accepted(connection, settle: () => Settled(id));
            return connection;
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>The primary decides: it sends what it already assigned here, then the end marker.</summary>
    public Task StopAcceptingAsync() => _ended.Task;

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>From now on every connection that arrives, or waits for Kestrel, is closed without being read.</summary>
    public void Refuse()
    {
        _refusing = true;
        while (_connections.Reader.TryRead(out var waiting)) waiting.Socket.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        _connections.Writer.TryComplete();
        _contexts.Dispose();
        return ValueTask.CompletedTask;
    }

    private static void Settled(uint id)
    {
        Span<byte> message = stackalloc byte[HandOff.MessageLength];
        message[0] = HandOff.SettledTag;
        BinaryPrimitives.WriteUInt32LittleEndian(message[1..], id);
        FdPassing.Send(Cluster.WorkerSocketFd, -1, message); // fails only when the primary is gone, and then nobody waits for it
    }

    private void Receive()
    {
        Span<byte> message = stackalloc byte[HandOff.MessageLength];
        try
        {
            while (true)
            {
                var received = FdPassing.Receive(Cluster.WorkerSocketFd, message);
                if (received.Closed || (received.Length > 0 && message[0] == HandOff.EndTag)) return;
                if (received.Fd < 0) continue;
                if (received.Length < HandOff.MessageLength || message[0] != HandOff.ConnectionTag || _refusing)
                {
                    Libc.close(received.Fd); // unread: the primary still holds it and gives it to another worker
                    continue;
                }
                var id = BinaryPrimitives.ReadUInt32LittleEndian(message[1..]);
                // As Kestrel's own listener does for every accepted socket: no Nagle delay on small responses.
                var socket = new Socket(new SafeSocketHandle(received.Fd, ownsHandle: true)) { NoDelay = true };
                _connections.Writer.TryWrite((socket, id));
            }
        }
        finally
        {
            _connections.Writer.TryComplete();
            _ended.TrySetResult();
        }
    }
}
