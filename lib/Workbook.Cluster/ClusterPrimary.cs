using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Workbook.Processes;

namespace Workbook.Cluster;

/// <summary>
/// A cluster's primary (Node's <c>cluster</c> in the primary process), as an object: a notebook can start one,
/// measure it, dispose it and start another. It forks workers that share one port under a
/// <see cref="SchedulingPolicy"/>, passes messages, and stops them gracefully.
/// </summary>
public sealed class ClusterPrimary : IAsyncDisposable
{
    private readonly ConcurrentDictionary<int, Worker> _workers = new();
    private readonly ConcurrentDictionary<Worker, HandOff> _handOffs = new();
    private readonly ILogger? _logger;
    private readonly TextWriter? _workerOutput;
    private Socket? _listener;
    private RoundRobinHandle? _roundRobin;
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

    /// <summary>Opens the port and forks the configured number of workers; returns when all listen.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        OpenPort();
        var forked = Enumerable.Range(0, Settings.Workers).Select(_ => Fork()).ToList();
        await Task.WhenAll(forked.Select(w => WaitListeningAsync(w, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>
    /// Node's <c>cluster.fork()</c>: starts one more worker running <see cref="ClusterSettings.Exec"/>. It joins
    /// the rotation once it listens (<see cref="Listening"/>).
    /// </summary>
    public Worker Fork()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        OpenPort();
        var id = Interlocked.Increment(ref _nextId);
        var env = new Dictionary<string, string>
        {
            [Cluster.WorkerIdVariable] = id.ToString(),
            [Cluster.PolicyVariable] = Cluster.PolicyName(Settings.SchedulingPolicy),
            [Cluster.AddressVariable] = Settings.Address.ToString(),
            [Cluster.PortVariable] = Port.ToString(),
            [Cluster.DrainVariable] = ((long)Settings.DisconnectTimeout.TotalMilliseconds).ToString(),
        };

        HandOff? handOff = null;
        int workerEnd = -1;
        List<(int, int)> inherit = [];
        if (Settings.SchedulingPolicy == SchedulingPolicy.RoundRobin)
        {
            (handOff, workerEnd) = HandOff.Create($"worker {id}");
            inherit.Add((workerEnd, Cluster.WorkerSocketFd));
        }
        else if (Settings.SchedulingPolicy == SchedulingPolicy.Shared)
        {
            inherit.Add(((int)_listener!.SafeHandle.DangerousGetHandle(), Cluster.WorkerSocketFd));
        }

        ChildProcess process;
        try
        {
            process = ChildProcess.ForkCore(Settings.Exec, Settings.Args, new ForkOptions { Stdio = StdioMode.Pipe, Logger = _logger }, inherit, env);
        }
        finally
        {
            if (workerEnd >= 0) Native.FdPassing.close(workerEnd);
        }

        var worker = new Worker(id, process, this);
        if (process.Pid is null)
        {
            handOff?.Dispose();
            _logger?.LogError("worker {Id} could not start: {Error}", id, process.Exited.Exception?.InnerException?.Message);
            return worker;
        }
        _workers[id] = worker;
        if (handOff is not null) _handOffs[worker] = handOff;
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
        var workers = _workers.Values.ToList();
        foreach (var worker in workers) worker.Disconnect();
        var deadline = Settings.DisconnectTimeout + TimeSpan.FromSeconds(5);
        await Task.WhenAny(Task.WhenAll(workers.Select(w => w.Process.Exited.ContinueWith(_ => { }))), Task.Delay(deadline)).ConfigureAwait(false);
        foreach (var worker in workers.Where(w => !w.IsDead)) worker.Kill("SIGKILL");
        await Task.WhenAll(workers.Select(w => w.Process.Exited.ContinueWith(_ => { }))).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _roundRobin?.Dispose();
        _listener?.Dispose();
        _logger?.LogInformation("cluster on port {Port} stopped", Port);
    }

    /// <summary>A disconnecting worker gets no new connections; the rest of its hand-off queue is sent, then the end marker.</summary>
    internal void StopRouting(Worker worker)
    {
        if (!_handOffs.TryRemove(worker, out var handOff)) return;
        _roundRobin?.Remove(handOff);
        handOff.Finish();
    }

    private async Task WaitListeningAsync(Worker worker, CancellationToken cancellationToken)
    {
        if (worker.Pid is null)
        {
            var error = worker.Process.Exited.Exception?.InnerException;
            throw new ClusterException($"worker {worker.Id} could not start: {error?.Message}", error);
        }
        var timeout = Task.Delay(Settings.ListenTimeout, cancellationToken);
        if (await Task.WhenAny(worker.WhenListening, timeout).ConfigureAwait(false) == timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            worker.Kill("SIGKILL");
            throw new ClusterException($"{worker} did not report listening within {Settings.ListenTimeout.TotalSeconds:0} s. " +
                "Does the worker program call UseClusterWorker() on its web host?");
        }
        try
        {
            await worker.WhenListening.ConfigureAwait(false);
        }
        catch (ClusterException e)
        {
            await Task.WhenAny(worker.Process.Closed, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false); // its last words
            var tail = _stderrTails.TryGetValue(worker, out var t) ? t.Text() : "";
            throw new ClusterException(e.Message + (tail.Length > 0 ? $" Its last output on stderr:\n{tail}" : ""));
        }
    }

    private readonly ConcurrentDictionary<Worker, Tail> _stderrTails = new();

    private void Wire(Worker worker)
    {
        var process = worker.Process;
        var prefix = $"[worker {worker.Id}] ";
        var tail = _stderrTails[worker] = new Tail(20);
        ForwardLines(process.Stdout!, prefix, error: false, tail: null);
        ForwardLines(process.Stderr!, prefix, error: true, tail);

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
                    if (_handOffs.TryGetValue(worker, out var handOff)) _roundRobin?.Add(handOff);
                    _logger?.LogInformation("{Worker} listening on port {Port}", worker, port);
                    worker.OnListening(port);
                    Raise(() => Listening?.Invoke(worker, port));
                    break;
            }
        });
        process.Message += message =>
        {
            worker.OnMessage(message);
            Raise(() => Message?.Invoke(worker, message));
        };
        process.Disconnected += () =>
        {
            StopRouting(worker);
            _logger?.LogInformation("{Worker} disconnected", worker);
            worker.OnDisconnected();
            Raise(() => Disconnected?.Invoke(worker));
        };
        process.Exit += (code, signal) =>
        {
            StopRouting(worker);
            _workers.TryRemove(worker.Id, out _);
            var exit = new ChildExit(code, signal);
            if (worker.ExitedAfterDisconnect) _logger?.LogInformation("{Worker} exited with {Exit} after disconnect", worker, exit);
            else _logger?.LogWarning("{Worker} exited with {Exit}", worker, exit);
            worker.OnExit(exit);
            Raise(() => Exit?.Invoke(worker, code, signal));
        };
    }

    private void ForwardLines(ChildReadable stream, string prefix, bool error, Tail? tail)
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

    /// <summary>Binds the shared port once: the primary's listening socket (round-robin, shared) or a check that it is free (reuse-port).</summary>
    private void OpenPort()
    {
        if (_listener is not null || (Port != 0 && Settings.SchedulingPolicy == SchedulingPolicy.ReusePort)) return;
        var endpoint = new IPEndPoint(Settings.Address, Settings.Port);
        var socket = new Socket(Settings.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endpoint);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new ClusterException($"Port {Settings.Port} on {Settings.Address} is in use: another process listens there. Stop it, or choose another port.", e);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ClusterException($"Cannot bind {endpoint}: {e.Message}", e);
        }
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        if (Settings.SchedulingPolicy == SchedulingPolicy.ReusePort)
        {
            // Only a check (and a choice, for port 0): the workers bind it themselves, with SO_REUSEPORT.
            socket.Dispose();
            return;
        }
        socket.Listen(511);
        _listener = socket;
        if (Settings.SchedulingPolicy == SchedulingPolicy.RoundRobin) _roundRobin = new RoundRobinHandle(socket, _logger);
        _logger?.LogInformation("primary listening on {Address}:{Port} ({Policy})", Settings.Address, Port, Settings.SchedulingPolicy);
    }

    private static void Raise(Action raise)
    {
        try
        {
            raise();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"Unhandled exception in a cluster event handler: {e}");
        }
    }

    /// <summary>The last lines a worker wrote to stderr, for the error when it fails to start.</summary>
    private sealed class Tail(int lines)
    {
        private readonly Queue<string> _lines = new();

        public void Add(string line)
        {
            lock (_lines)
            {
                _lines.Enqueue(line);
                while (_lines.Count > lines) _lines.Dequeue();
            }
        }

        public string Text()
        {
            lock (_lines) return string.Join("\n", _lines);
        }
    }
}
