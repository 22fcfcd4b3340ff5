using System.Buffers.Binary;
using System.Net.Sockets;
using System.Threading.Channels;
using Workbook.Cluster.Native;
using Workbook.Processes.Native;

namespace Workbook.Cluster;

/// <summary>
/// Round-robin, in a worker: the connections the primary accepted and handed to this worker — descriptors sent over
/// the hand-off socket, each with an id (Node's <c>'newconn'</c> act). A connection counts against the primary's
/// <see cref="ClusterSettings.HandOffLimit"/> until the worker settles it (<see cref="HandedConnection.Settle"/>).
/// Get it from <see cref="ClusterChild.ReceiveConnections"/>.
/// </summary>
public sealed class HandOffReceiver
{
    // Synchronous continuations: the server's accept loop resumes on the receiving thread instead of one more hop
    // through the thread pool, which a new connection per request pays on every request.
    private readonly Channel<HandedConnection> _connections = Channel.CreateUnbounded<HandedConnection>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = true });
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _socket;
    private volatile bool _refusing;

    internal HandOffReceiver(int socket)
    {
        _socket = socket;
        var receiver = new Thread(Receive) { IsBackground = true, Name = "cluster hand-off" };
        receiver.Start();
    }

    /// <summary>
    /// Completes when no more connections will come: after a disconnect request the primary sends what it had
    /// already assigned to this worker and then an end marker; or the primary is gone.
    /// </summary>
    public Task Ended => _ended.Task;

    /// <summary>The next connection handed over; null once <see cref="Ended"/> and every connection was taken.</summary>
    public async ValueTask<HandedConnection?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _connections.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Before an exit that is not a drain: every connection that arrives from now on, or waits here to be accepted,
    /// is closed without being read — the primary still holds it and gives it to another worker.
    /// </summary>
    public void Refuse()
    {
        _refusing = true;
        while (_connections.Reader.TryRead(out var waiting)) waiting.Socket.Dispose();
    }

    private void Receive()
    {
        Span<byte> message = stackalloc byte[HandOff.MessageLength];
        try
        {
            while (true)
            {
                var received = FdPassing.Receive(_socket, message);
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
                _connections.Writer.TryWrite(new HandedConnection(socket, id, _socket));
            }
        }
        finally
        {
            _connections.Writer.TryComplete();
            _ended.TrySetResult();
        }
    }
}
