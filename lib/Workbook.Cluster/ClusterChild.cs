using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Workbook.Cluster.Native;
using Workbook.Processes;

namespace Workbook.Cluster;

/// <summary>
/// This process's end of the cluster protocol when a <see cref="ClusterPrimary"/> forked it — Node's
/// <c>lib/internal/cluster/child.js</c>, for any server: where the cluster's connections come from under its
/// <see cref="SchedulingPolicy"/> (<see cref="ReceiveConnections"/> for round-robin, <see cref="TakeListeningSocket"/>
/// otherwise), the "online" and "listening" reports, and the primary's request to disconnect. A server adapter
/// (<c>UseClusterWorker</c> for ASP.NET Core) consumes it; a plain socket server can too.
/// </summary>
/// <remarks>
/// The disconnect is answered by exiting: the server stops accepting (round-robin: once <see cref="HandOffReceiver.Ended"/>),
/// finishes what it has in flight within <see cref="DrainTimeout"/>, and the process ends. The primary kills a worker
/// that is still there after that.
/// </remarks>
public sealed class ClusterChild
{
    private const int SOL_SOCKET = 1;
    private const int SO_REUSEPORT = 15;

    private static readonly Lazy<ClusterChild?> Instance = new(() => Cluster.Worker is { } settings ? new ClusterChild(settings) : null);

    private readonly WorkerSettings _settings;
    private readonly CancellationTokenSource _disconnect = new();
    private readonly Lazy<HandOffReceiver> _handOff = new(() => new HandOffReceiver(Cluster.WorkerSocketFd));
    private int _listening;
    private int _sharedSocketTaken;

    private ClusterChild(WorkerSettings settings)
    {
        _settings = settings;
        // Subscribed before "online": the primary may ask this worker to disconnect as soon as it knows it.
        ParentProcess.SubscribeInternal(OnMessage);
        ParentProcess.Send(ClusterMessages.Make(ClusterMessages.Online));
    }

    /// <summary>
    /// This worker's end, or null when this process is not a cluster worker. The first access sets it up (Node's
    /// <c>cluster._setupWorker</c>): it opens the channel to the primary and tells it this worker is online.
    /// </summary>
    /// <exception cref="InvalidOperationException">The primary's variables are set but the process has no channel to it.</exception>
    public static ClusterChild? Current => Instance.Value;

    /// <summary>Node's <c>cluster.worker.id</c>: 1 for the first worker the primary forked, and so on.</summary>
    public int Id => _settings.Id;

    /// <summary>How this worker gets its connections.</summary>
    public SchedulingPolicy Policy => _settings.Policy;

    /// <summary>The cluster's address and port: what this worker serves (and, under reuse-port, binds).</summary>
    public IPEndPoint EndPoint => new(_settings.Address, _settings.Port);

    /// <summary>How long the primary lets this worker drain after a disconnect request before it kills it.</summary>
    public TimeSpan DrainTimeout => _settings.DrainTimeout;

    /// <summary>Under <see cref="SessionAffinity.Cookie"/>: the cookie that names this worker (its value is <see cref="Id"/>); null otherwise.</summary>
    public string? AffinityCookie => _settings.AffinityCookie;

    /// <summary>
    /// Cancelled when the primary asks this worker to disconnect (Node's <c>'disconnect'</c> act, sent by
    /// <see cref="Worker.Disconnect"/>): stop accepting, finish what is in flight, exit. Stays cancelled, so a
    /// registration made after the request runs at once.
    /// </summary>
    public CancellationToken DisconnectRequested => _disconnect.Token;

    /// <summary>
    /// Node's <c>'listening'</c> act: tells the primary this worker accepts connections on the cluster's port. Under
    /// round-robin the primary hands connections over from then on. Once; later calls do nothing.
    /// </summary>
    public void ReportListening()
    {
        if (Interlocked.Exchange(ref _listening, 1) != 0) return;
        ParentProcess.Send(ClusterMessages.Make(ClusterMessages.Listening, _settings.Port));
    }

    /// <summary>
    /// Round-robin: the connections the primary hands to this worker. The first call starts receiving them; every
    /// call returns the same receiver.
    /// </summary>
    /// <exception cref="InvalidOperationException">The policy is not <see cref="SchedulingPolicy.RoundRobin"/>.</exception>
    public HandOffReceiver ReceiveConnections() => Policy == SchedulingPolicy.RoundRobin
        ? _handOff.Value
        : throw new InvalidOperationException($"Under the {Cluster.PolicyName(Policy)} policy this worker accepts from a listening socket of its own (TakeListeningSocket); the primary hands over connections only under round-robin.");

    /// <summary>
    /// The socket to accept the cluster's connections from, listening. Shared: the primary's listening socket,
    /// inherited (taken once: it is the caller's to close). Reuse-port: a new socket bound to <see cref="EndPoint"/>
    /// with SO_REUSEPORT, so the kernel spreads connections over every worker's socket.
    /// </summary>
    /// <exception cref="InvalidOperationException">Round-robin (see <see cref="ReceiveConnections"/>), or the shared socket was taken already.</exception>
    /// <exception cref="SocketException">Reuse-port: the port cannot be bound.</exception>
    public Socket TakeListeningSocket()
    {
        switch (Policy)
        {
            case SchedulingPolicy.Shared:
                if (Interlocked.Exchange(ref _sharedSocketTaken, 1) != 0)
                    throw new InvalidOperationException("The shared listening socket was taken already: this worker inherits only one.");
                return new Socket(new SafeSocketHandle(Cluster.WorkerSocketFd, ownsHandle: true));
            case SchedulingPolicy.ReusePort:
                var socket = new Socket(_settings.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    // Raw: SocketOptionName has no SO_REUSEPORT (its numbers are Windows' and mapped per platform).
                    socket.SetRawSocketOption(SOL_SOCKET, SO_REUSEPORT, BitConverter.GetBytes(1));
                    socket.Bind(EndPoint);
                    socket.Listen();
                    return socket;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            default:
                throw new InvalidOperationException("Under round-robin the primary accepts and hands connections over: use ReceiveConnections.");
        }
    }

    /// <summary>
    /// Ends this process at once with <paramref name="exitCode"/>: no shutdown handlers, nothing drained — a crash
    /// on purpose (<c>Environment.Exit</c> would run the host's graceful shutdown). The primary sees the code and,
    /// when it is not 0, restarts the worker.
    /// </summary>
    public void ExitNow(int exitCode) => ImmediateExit.Now(exitCode);

    private void OnMessage(JsonElement message)
    {
        if (message.GetProperty(ClusterMessages.Marker).GetString() == ClusterMessages.Disconnect) _disconnect.Cancel();
    }
}
