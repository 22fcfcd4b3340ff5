using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Workbook.Processes;

namespace Workbook.Cluster;

/// <summary>
/// A cluster's primary (Node's <c>cluster</c> in the primary process), as an object: a notebook can start one,
/// measure it, dispose it and start another. It forks workers that share one port under a
/// <see cref="SchedulingPolicy"/>, passes messages, replaces workers that crash (<see cref="RestartPolicy"/>),
/// replaces all of them without dropping a request (<see cref="RollingRestartAsync"/>), and stops them gracefully.
/// </summary>
/// <remarks>
/// Node's primary.js, split by concern: this file is the surface and its events; ClusterPrimary.Fork.cs starts a
/// worker, .Port.cs opens and closes the shared port (through the policy's scheduling handle), .Messages.cs
/// dispatches what a worker says, .Supervision.cs rescues a dead worker's connections and restarts it,
/// .RollingRestart.cs replaces every worker, .Signals.cs handles SIGUSR2, SIGTERM and SIGINT, and .Output.cs
/// forwards the workers' output.
/// </remarks>
public sealed partial class ClusterPrimary : IAsyncDisposable
{
    private readonly ConcurrentDictionary<int, Worker> _workers = new();
    private readonly List<WorkerPlace> _places = [];
    private readonly ILogger? _logger;
    private readonly CancellationTokenSource _stopping = new();
    private int _nextId;
    private int _disposed;

    /// <summary>Sets up a primary; nothing runs until <see cref="StartAsync(CancellationToken)"/> or <see cref="Fork"/>.</summary>
    public ClusterPrimary(ClusterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Settings = settings;
        _logger = settings.Logger;
        _workerOutput = settings.WorkerOutput;
    }

    /// <summary>Forks <see cref="ClusterSettings.Workers"/> workers and returns once all of them listen.</summary>
    /// <exception cref="ClusterException">The port is in use, or a worker could not start, crashed, or never listened; nothing is left running.</exception>
    public static async Task<ClusterPrimary> StartAsync(ClusterSettings settings, CancellationToken cancellationToken = default)
    {
        var primary = new ClusterPrimary(settings);
        try
        {
            await primary.StartAsync(cancellationToken).ConfigureAwait(false);
            return primary;
        }
        catch
        {
            await primary.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>What this primary runs: the worker program, the port, the policy, the timeouts.</summary>
    public ClusterSettings Settings { get; }

    /// <summary>
    /// The primary-hosted shared store: workers reach it through <see cref="Cluster.Store"/>, this process directly.
    /// It lives as long as the primary, so what workers store survives their crashes and rolling restarts.
    /// </summary>
    public SharedStore Store { get; } = new();

    /// <summary>Under <see cref="ClusterSettings.SessionAffinity"/>: connections that went to their client's worker (since the port was last opened).</summary>
    public long StickyConnections => _handle?.Sticky ?? 0;

    /// <summary>Under <see cref="ClusterSettings.SessionAffinity"/>: connections whose client's worker was gone, routed elsewhere (since the port was last opened).</summary>
    public long ReroutedConnections => _handle?.Rerouted ?? 0;

    /// <summary>
    /// Round-robin: how many unanswered connections <paramref name="worker"/> may hold right now — the number set in
    /// <see cref="ClusterSettings.HandOffLimit"/>, or where its adaptive limit stands; null without a limit.
    /// </summary>
    public int? HandOffLimitOf(Worker worker) => _handle?.HandOffLimitOf(worker.Id);

    /// <summary>The port the workers share (the one chosen when <see cref="ClusterSettings.Port"/> was 0).</summary>
    public int Port { get; private set; }

    /// <summary>The cluster's address, e.g. http://127.0.0.1:8080/.</summary>
    public Uri Url => new($"http://{(Settings.Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{Settings.Address}]" : Settings.Address)}:{Port}/");

    /// <summary>Node's <c>cluster.workers</c>: the live workers by id.</summary>
    public IReadOnlyDictionary<int, Worker> Workers => _workers;

    /// <summary>Node's <c>'fork'</c> (renamed: C# cannot give an event and a method the same name).</summary>
    public event Action<Worker>? Forked;

    /// <summary>Node's <c>'online'</c>: a worker runs.</summary>
    public event Action<Worker>? Online;

    /// <summary>Node's <c>'listening'</c>: a worker accepts connections on the shared port.</summary>
    public event Action<Worker, int>? Listening;

    /// <summary>Node's <c>'message'</c>: a worker sent something.</summary>
    public event Action<Worker, JsonElement>? Message;

    /// <summary>Node's <c>'disconnect'</c>: a worker's channel closed.</summary>
    public event Action<Worker>? Disconnected;

    /// <summary>Node's <c>'exit'</c>: a worker ended (see <see cref="Worker.ExitedAfterDisconnect"/> for planned or not).</summary>
    public event WorkerExitHandler? Exit;

    /// <summary>A worker crashed and will be replaced after the delay given (zero unless it crashed soon after its start).</summary>
    public event Action<Worker, TimeSpan>? Restarting;

    /// <summary>
    /// A place's workers kept crashing soon after their start: the primary tried
    /// <see cref="RestartPolicy.MaxUnstableRestarts"/> restarts after such crashes, the worker of the last one crashed
    /// soon after its start too, and the place now stays empty. Given: that last worker, and how many restarts after
    /// unstable crashes were tried (MaxUnstableRestarts; the first restart after a stable worker's crash not counted).
    /// </summary>
    public event Action<Worker, int>? GaveUp;

    /// <summary>
    /// A rolling restart is replacing a worker: the new one listens, and the old one leaves the rotation (then drains, or
    /// is stopped) as soon as the handlers return.
    /// </summary>
    public event Action<WorkerReplacement>? Replaced;

    /// <summary>Opens the port and forks the configured number of workers; returns when all listen.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        OpenPort();
        var forked = Enumerable.Range(0, Settings.Workers).Select(_ => Fork()).ToList();
        await Task.WhenAll(forked.Select(w => WaitStartedAsync(w, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>Sends a message to every connected worker (Node: a loop over <c>cluster.workers</c>).</summary>
    [RequiresUnreferencedCode(MessageChannel.ReflectionJson), RequiresDynamicCode(MessageChannel.ReflectionJson)]
    public void Broadcast(object? message) => ToEveryWorker(worker => worker.Send(message));

    /// <summary>The same, with source-generated type information: no reflection, fit for Native AOT.</summary>
    public void Broadcast<T>(T message, JsonTypeInfo<T> type) => ToEveryWorker(worker => worker.Send(message, type));

    private void ToEveryWorker(Action<Worker> send)
    {
        foreach (var worker in _workers.Values.Where(w => w.IsConnected))
        {
            try
            {
                send(worker);
            }
            catch (InvalidOperationException)
            {
                // It disconnected between the check and the send: it is on its way out.
            }
        }
    }

    /// <summary>
    /// Stops the cluster gracefully: no new connections, every worker drains and exits (killed after
    /// <see cref="ClusterSettings.DisconnectTimeout"/>), then the port is closed.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stopping.Cancel();
        StopHandlingSignals();
        var workers = _workers.Values.ToList();
        foreach (var worker in workers) worker.Disconnect();
        var deadline = Settings.DisconnectTimeout + TimeSpan.FromSeconds(5);
        await Task.WhenAny(Task.WhenAll(workers.Select(w => w.Exited)), Task.Delay(deadline)).ConfigureAwait(false);
        foreach (var worker in workers.Where(w => !w.IsDead)) worker.Kill("SIGKILL");
        await Task.WhenAll(workers.Select(w => w.Exited)).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _handle?.Close();
        Store.Dispose();
        _logger?.LogInformation("cluster on port {Port} stopped", Port);
    }

    internal void Log(Worker worker, string what) => _logger?.LogInformation("{Worker} {What}", worker, what);

    /// <summary>Each handler on its own: one that throws (reported on stderr) does not keep the others from the event.</summary>
    private static void Raise<T>(T? handlers, Action<T> invoke) where T : Delegate => HandlerFailures.Each("a cluster event handler", handlers, invoke);
}
