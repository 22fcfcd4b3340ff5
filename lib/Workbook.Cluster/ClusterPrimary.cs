using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Workbook.Processes;

namespace Workbook.Cluster;

/// <summary>
/// A cluster's primary (Node's <c>cluster</c> in the primary process), as an object: a notebook can start one,
/// measure it, dispose it and start another. It forks workers that share one port under a
/// <see cref="SchedulingPolicy"/>, passes messages, replaces workers that crash (<see cref="RestartPolicy"/>),
/// replaces all of them without dropping a request (<see cref="RollingRestartAsync"/>), and stops them gracefully.
/// </summary>
public sealed class ClusterPrimary : IAsyncDisposable
{
    private const int SIGUSR2 = 12; // x64 and arm64 Linux

    private readonly ConcurrentDictionary<int, Worker> _workers = new();
    private readonly List<WorkerPlace> _places = [];
    private readonly ILogger? _logger;
    private readonly TextWriter? _workerOutput;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource<string> _shutdownRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<PosixSignalRegistration> _signals = [];
    private readonly object _rollGate = new();
    private Task<RollingRestartResult>? _rolling;
    private int _coalesced;
    private readonly object _portGate = new();
    private ISchedulingHandle? _handle; // the port while it is open, shared as the policy says
    private int _arriving; // workers being forked or waiting to be restarted: they will need the port
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

    /// <summary>Completes with "SIGTERM" or "SIGINT" when one arrives, once <see cref="HandleSignals"/> was called.</summary>
    public Task<string> ShutdownRequested => _shutdownRequested.Task;

    /// <summary>Opens the port and forks the configured number of workers; returns when all listen.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        OpenPort();
        var forked = Enumerable.Range(0, Settings.Workers).Select(_ => Fork()).ToList();
        await Task.WhenAll(forked.Select(w => WaitStartedAsync(w, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>
    /// Node's <c>cluster.fork()</c>: starts one more worker running <see cref="ClusterSettings.Exec"/>. It joins
    /// the rotation once it listens (<see cref="Listening"/>), and from then on it is restarted when it crashes.
    /// </summary>
    public Worker Fork()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        WorkerPlace place;
        lock (_places) _places.Add(place = new WorkerPlace(_places.Count + 1));
        return ForkInto(place, takeOver: true);
    }

    /// <summary>
    /// Replaces every worker, <see cref="RollingRestartOptions.BatchSize"/> at a time: forks the replacement, waits
    /// until it listens (or is ready, <see cref="ClusterSettings.WaitReady"/>), then stops the old one
    /// (<see cref="RollingRestartOptions.Drain"/>) and waits for its exit. Clients see no failed request. A call
    /// while one runs joins it (the same task). Also triggered by SIGUSR2 once <see cref="HandleSignals"/> was called.
    /// </summary>
    /// <exception cref="ClusterException">A replacement did not start: the restart stops there, the old workers not yet replaced keep serving.</exception>
    public Task<RollingRestartResult> RollingRestartAsync(RollingRestartOptions? options = null)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        options ??= new RollingRestartOptions();
        options.Validate();
        lock (_rollGate)
        {
            if (_rolling is { IsCompleted: false })
            {
                _coalesced++;
                _logger?.LogInformation("a rolling restart is already running: this request joins it");
                return _rolling;
            }
            _coalesced = 0;
            return _rolling = Task.Run(() => RollAsync(options));
        }
    }

    /// <summary>
    /// Handles the signals a process manager sends a primary: SIGUSR2 starts a rolling restart (as the notes'
    /// cluster does); SIGTERM and SIGINT complete <see cref="ShutdownRequested"/> instead of ending the process,
    /// so the program can dispose the cluster gracefully. Dispose the result to stop handling them.
    /// </summary>
    public IDisposable HandleSignals()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        // Kept in a field as well: a registration that is collected silently stops handling its signal.
        var registrations = new List<PosixSignalRegistration>
        {
            PosixSignalRegistration.Create((PosixSignal)SIGUSR2, context =>
            {
                context.Cancel = true;
                _logger?.LogInformation("SIGUSR2: rolling restart");
                _ = RollFromSignalAsync();
            }),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; _shutdownRequested.TrySetResult("SIGTERM"); }),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; _shutdownRequested.TrySetResult("SIGINT"); }),
        };
        lock (_signals) _signals.AddRange(registrations);
        return new SignalHandlers(this, registrations);
    }

    private Worker ForkInto(WorkerPlace place, bool takeOver)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        lock (_portGate)
        {
            OpenPort();
            _arriving++;
        }
        try
        {
            return ForkWorker(place, takeOver);
        }
        finally
        {
            lock (_portGate) _arriving--;
        }
    }

    private Worker ForkWorker(WorkerPlace place, bool takeOver)
    {
        var id = Interlocked.Increment(ref _nextId);
        var env = new Dictionary<string, string>
        {
            [Cluster.WorkerIdVariable] = id.ToString(),
            [Cluster.PolicyVariable] = Cluster.PolicyName(Settings.SchedulingPolicy),
            [Cluster.AddressVariable] = Settings.Address.ToString(),
            [Cluster.PortVariable] = Port.ToString(),
            [Cluster.DrainVariable] = ((long)Settings.DisconnectTimeout.TotalMilliseconds).ToString(),
        };
        if (Settings.SessionAffinity == SessionAffinity.Cookie) env[Cluster.AffinityCookieVariable] = Settings.AffinityCookieName;

        var process = _handle!.Fork(id, place.Number, inherit => // open: ForkInto opened it, and its _arriving keeps it so
            ChildProcess.ForkCore(Settings.Exec, Settings.Args, new ForkOptions { Stdio = StdioMode.Pipe, Logger = _logger }, inherit, env));

        var worker = new Worker(id, process, this, place);
        if (takeOver)
        {
            lock (place) place.Current = worker;
        }
        if (process.Pid is null)
        {
            _logger?.LogError("worker {Id} could not start: {Error}", id, process.Exited.Exception?.InnerException?.Message);
            worker.OnExit(new ChildExit(null, null));
            if (place.Supervised) _ = Task.Run(() =>
            {
                Supervise(worker, new ChildExit(null, null));
                ClosePortIfNoWorkerIsLeft();
            });
            return worker;
        }
        _workers[id] = worker;
        if (Volatile.Read(ref _disposed) != 0) process.Kill("SIGKILL"); // forked while the cluster stopped: it would be missed
        Wire(worker);
        _logger?.LogInformation("worker {Id} forked (pid {Pid})", id, worker.Pid);
        Raise(() => Forked?.Invoke(worker));
        return worker;
    }

    /// <summary>Sends a message to every connected worker (Node: a loop over <c>cluster.workers</c>).</summary>
    public void Broadcast(object? message)
    {
        foreach (var worker in _workers.Values.Where(w => w.IsConnected))
        {
            try
            {
                worker.Send(message);
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
        lock (_signals)
        {
            foreach (var registration in _signals) registration.Dispose();
            _signals.Clear();
        }
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

    /// <summary>A disconnecting (or stopped) worker gets no new connections; what it has keeps going.</summary>
    internal void StopRouting(Worker worker) => _handle?.Remove(worker.Id);

    internal void Log(Worker worker, string what) => _logger?.LogInformation("{Worker} {What}", worker, what);

    private async Task WaitStartedAsync(Worker worker, CancellationToken cancellationToken)
    {
        if (worker.Pid is null)
        {
            var error = worker.Process.Exited.Exception?.InnerException;
            throw new ClusterException($"worker {worker.Id} could not start: {error?.Message}", error);
        }
        var timeout = Task.Delay(Settings.ListenTimeout, cancellationToken);
        if (await Task.WhenAny(worker.WhenStarted, timeout).ConfigureAwait(false) == timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            worker.Kill("SIGKILL");
            throw new ClusterException(Settings.WaitReady && worker.IsListening
                ? $"{worker} listens but did not send \"ready\" within {Settings.ListenTimeout.TotalSeconds:0} s (WaitReady is on)."
                : $"{worker} did not report listening within {Settings.ListenTimeout.TotalSeconds:0} s. " +
                  "Does the worker program call UseClusterWorker() on its web host?");
        }
        try
        {
            await worker.WhenStarted.ConfigureAwait(false);
        }
        catch (ClusterException e)
        {
            await Task.WhenAny(worker.Process.Closed, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false); // its last words
            var tail = worker.StderrTail.Text();
            throw new ClusterException(e.Message + (tail.Length > 0 ? $" Its last output on stderr:\n{tail}" : ""));
        }
    }

    private void Wire(Worker worker)
    {
        var process = worker.Process;
        var prefix = $"[worker {worker.Id}] ";
        ForwardLines(process.Stdout!, prefix, error: false, tail: null);
        ForwardLines(process.Stderr!, prefix, error: true, worker.StderrTail);

        process.SubscribeInternal(message =>
        {
            switch (message.GetProperty(ClusterMessages.Marker).GetString())
            {
                case ClusterMessages.Online:
                    _logger?.LogInformation("{Worker} online", worker);
                    worker.OnOnline();
                    Raise(() => Online?.Invoke(worker));
                    break;
                case ClusterMessages.Listening:
                    var port = message.TryGetProperty("port", out var p) ? p.GetInt32() : Port;
                    _handle?.Add(worker.Id);
                    lock (worker.WorkerPlace)
                    {
                        if (worker.WorkerPlace.Current == worker) worker.WorkerPlace.Supervised = true;
                    }
                    _logger?.LogInformation("{Worker} listening on port {Port}", worker, port);
                    worker.OnListening(port);
                    Raise(() => Listening?.Invoke(worker, port));
                    break;
                case StoreProtocol.Request:
                    try
                    {
                        process.Send(Store.Serve(message));
                    }
                    catch (InvalidOperationException)
                    {
                        // The worker is gone: nobody waits for the reply.
                    }
                    break;
            }
        });
        process.Message += message =>
        {
            if (message.ValueKind == JsonValueKind.String && message.GetString() == "ready") worker.OnReady();
            worker.OnMessage(message);
            Raise(() => Message?.Invoke(worker, message));
        };
        var disconnected = new ManualResetEventSlim();
        process.Disconnected += () =>
        {
            StopRouting(worker);
            _logger?.LogInformation("{Worker} disconnected", worker);
            worker.OnDisconnected();
            Raise(() => Disconnected?.Invoke(worker));
            disconnected.Set();
        };
        process.Exit += (code, signal) =>
        {
            // Node's order: 'disconnect', then 'exit'. The channel's end-of-file and the exit status come from two
            // sources that race; the end-of-file follows the exit within milliseconds, so wait for it (bounded).
            disconnected.Wait(TimeSpan.FromSeconds(1));
            StopRouting(worker);
            RescueConnections(worker);
            _workers.TryRemove(worker.Id, out _);
            var exit = new ChildExit(code, signal);
            if (worker.ExitedAfterDisconnect) _logger?.LogInformation("{Worker} exited with {Exit} after disconnect", worker, exit);
            else _logger?.LogWarning("{Worker} exited with {Exit}", worker, exit);
            worker.OnExit(exit);
            Raise(() => Exit?.Invoke(worker, code, signal));
            Supervise(worker, exit);
            ClosePortIfNoWorkerIsLeft();
        };
    }

    /// <summary>
    /// After a worker's exit, the connections handed to it and not answered: those it never read still hold their
    /// whole request and go to the other workers; the others were lost with it.
    /// </summary>
    private void RescueConnections(Worker worker)
    {
        if (_handle is not { } handle) return;
        var (rescued, lost) = handle.Exited(worker.Id);
        worker.OnConnectionsCounted(rescued, lost);
        if (rescued + lost > 0)
            _logger?.LogInformation("{Worker} left {Rescued} connections it never read (handed to other workers) and {Lost} it had not answered (lost)",
                worker, rescued, lost);
    }

    /// <summary>Restarts a crashed worker in its place, backing off when it keeps crashing at start-up (<see cref="RestartPolicy"/>).</summary>
    private void Supervise(Worker worker, ChildExit exit)
    {
        var policy = Settings.Restart;
        bool crashed = exit.Code is not 0 || exit.Signal is not null;
        if (_disposed != 0 || !policy.Enabled || worker.ExitedAfterDisconnect || !crashed) return;
        var place = worker.WorkerPlace;
        TimeSpan delay;
        int unstable;
        bool gaveUp;
        lock (place)
        {
            if (place.Current != worker || !place.Supervised || place.GaveUp) return;
            bool stable = worker.IsListening && worker.Uptime >= policy.MinUptime;
            unstable = place.UnstableInARow = stable ? 0 : place.UnstableInARow + 1;
            gaveUp = place.GaveUp = unstable > policy.MaxUnstableRestarts;
            delay = policy.DelayAfter(unstable);
        }
        if (gaveUp)
        {
            _logger?.LogError("{Worker} crashed soon after its start too: unstable crash {Count} in a row in its place, and the {Tries} " +
                "restarts after such crashes (MaxUnstableRestarts) have not helped. No more restarts for its place: fix what makes it " +
                "crash, then Fork() a new worker.", worker, unstable, unstable - 1);
            Raise(() => GaveUp?.Invoke(worker, unstable - 1));
            return;
        }
        lock (_portGate) _arriving++; // until RestartAsync has forked
        _logger?.LogWarning("{Worker} crashed; {Restart}", worker, unstable == 0
            ? $"starting a new worker at once (it had been up and listening for {policy.MinUptime.TotalSeconds:0.###} s or more: not a crash loop)"
            : $"it had not been up and listening for {policy.MinUptime.TotalSeconds:0.###} s: unstable crash {unstable} in a row in its place, " +
              $"restart {unstable} of at most {policy.MaxUnstableRestarts} " + (delay > TimeSpan.Zero ? $"in {delay.TotalMilliseconds:0} ms" : "at once"));
        Raise(() => Restarting?.Invoke(worker, delay));
        _ = RestartAsync(place, worker, delay);
    }

    private async Task RestartAsync(WorkerPlace place, Worker crashed, TimeSpan delay)
    {
        Worker replacement;
        try
        {
            if (delay > TimeSpan.Zero) await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
            lock (place)
            {
                if (place.Current != crashed) return; // a rolling restart filled the place meanwhile
            }
            replacement = ForkInto(place, takeOver: true);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            return; // the cluster is stopping
        }
        finally
        {
            lock (_portGate) _arriving--;
            ClosePortIfNoWorkerIsLeft();
        }
        // One that hangs before it listens is ended, and counts as a crash at start-up.
        var listenTimeout = Task.Delay(Settings.ListenTimeout, _stopping.Token);
        if (await Task.WhenAny(replacement.WhenListening, listenTimeout).ConfigureAwait(false) == listenTimeout
            && !listenTimeout.IsCanceled && replacement.Process.Kill("SIGKILL"))
            _logger?.LogWarning("{Worker} did not listen within {Timeout} s: killed", replacement, Settings.ListenTimeout.TotalSeconds);
    }

    /// <summary>
    /// As Node does when its last worker is gone: the primary closes the port, so clients are refused at once
    /// instead of waiting for a worker that will not come. A later <see cref="Fork"/> opens it again.
    /// </summary>
    private void ClosePortIfNoWorkerIsLeft()
    {
        lock (_portGate)
        {
            if (_disposed != 0 || !_workers.IsEmpty || _arriving > 0 || _handle is null || !_handle.Close()) return;
            _handle = null;
        }
        _logger?.LogWarning("no worker is left and none is starting: port {Port} is closed, clients are refused", Port);
    }

    private async Task<RollingRestartResult> RollAsync(RollingRestartOptions options)
    {
        var clock = Stopwatch.StartNew();
        List<WorkerPlace> places;
        lock (_places) places = _places.Where(p => !p.GaveUp && p.Current is { IsDead: false, ExitedAfterDisconnect: false }).ToList();
        _logger?.LogInformation("rolling restart of {Count} workers, {Batch} at a time", places.Count, options.BatchSize);
        var replaced = new List<WorkerReplacement>();
        foreach (var batch in places.Chunk(options.BatchSize))
        {
            if (_disposed != 0) throw new ClusterException($"The cluster stopped during the rolling restart, after {replaced.Count} of {places.Count} workers.");
            var replacements = batch.Select(place => (Place: place, New: ForkInto(place, takeOver: false))).ToList();
            try
            {
                await Task.WhenAll(replacements.Select(r => WaitStartedAsync(r.New, _stopping.Token))).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                foreach (var r in replacements.Where(r => !r.New.IsDead)) r.New.Kill("SIGKILL");
                var message = $"Rolling restart stopped: a replacement did not start ({e.Message}). {replaced.Count} of {places.Count} workers " +
                    "were replaced; the others were left serving.";
                _logger?.LogError("{Message}", message);
                throw new ClusterException(message, e);
            }
            var exits = new List<Task>();
            foreach (var (place, replacement) in replacements)
            {
                Worker? old;
                lock (place)
                {
                    old = place.Current;
                    place.Current = replacement;
                    place.Supervised = true;
                    place.UnstableInARow = 0;
                }
                if (old is null) continue;
                var step = new WorkerReplacement(old, replacement);
                replaced.Add(step);
                Raise(() => Replaced?.Invoke(step)); // before the old worker leaves the rotation, so a handler's clock reads that moment
                if (options.Drain) old.Disconnect();
                else old.Kill("SIGTERM");
                exits.Add(old.Exited);
            }
            await Task.WhenAll(exits).ConfigureAwait(false); // bounded: a worker still there after DisconnectTimeout is killed
        }
        int coalesced;
        lock (_rollGate) coalesced = _coalesced;
        _logger?.LogInformation("rolling restart done: {Count} workers replaced in {Seconds:0.0} s", replaced.Count, clock.Elapsed.TotalSeconds);
        return new RollingRestartResult(replaced, clock.Elapsed, coalesced);
    }

    private async Task RollFromSignalAsync()
    {
        try
        {
            await RollingRestartAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is ClusterException or ObjectDisposedException)
        {
            if (_logger is null) Console.Error.WriteLine(e.Message); // nobody else would tell
        }
    }

    private sealed class SignalHandlers(ClusterPrimary primary, List<PosixSignalRegistration> registrations) : IDisposable
    {
        public void Dispose()
        {
            lock (primary._signals)
            {
                foreach (var registration in registrations)
                {
                    registration.Dispose();
                    primary._signals.Remove(registration);
                }
            }
        }
    }

    private void ForwardLines(ChildReadable stream, string prefix, bool error, OutputTail? tail)
    {
        var pending = new System.Text.StringBuilder();
        stream.Data += text =>
        {
            pending.Append(text);
            var all = pending.ToString();
            var lastNewline = all.LastIndexOf('\n');
            if (lastNewline < 0) return;
            pending.Clear().Append(all[(lastNewline + 1)..]);
            foreach (var line in all[..lastNewline].Split('\n'))
            {
                tail?.Add(line);
                var writer = _workerOutput ?? (error ? Console.Error : Console.Out);
                try
                {
                    writer.WriteLine(prefix + line);
                }
                catch (ObjectDisposedException)
                {
                    // The output closed; the tail still keeps the line.
                }
            }
        };
    }

    /// <summary>
    /// Opens the shared port unless it is open, as the policy shares it: the primary's listening socket (round-robin,
    /// shared) or a check that it is free (reuse-port). Reopened after <see cref="ClosePortIfNoWorkerIsLeft"/>: the same port.
    /// </summary>
    private void OpenPort()
    {
        if (_handle is not null) return;
        var endpoint = new IPEndPoint(Settings.Address, Port != 0 ? Port : Settings.Port);
        _handle = Settings.SchedulingPolicy switch
        {
            SchedulingPolicy.RoundRobin => new RoundRobinHandle(endpoint, Settings, PlaceCount, _logger),
            SchedulingPolicy.Shared => new SharedHandle(endpoint, Settings, _logger),
            _ => new ReusePortHandle(endpoint, Settings),
        };
        Port = _handle.Port;
    }

    private int PlaceCount()
    {
        lock (_places) return _places.Count;
    }

    private static void Raise(Action raise) => HandlerFailures.Run("a cluster event handler", raise);

}
