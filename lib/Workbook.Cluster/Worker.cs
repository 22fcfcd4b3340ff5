using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Workbook.Processes;

namespace Workbook.Cluster;

/// <summary>
/// The primary's handle on one worker process (Node's <c>Worker</c>). Created by <see cref="ClusterPrimary.Fork"/>.
/// </summary>
public sealed class Worker
{
    private readonly object _gate = new();
    private readonly TaskCompletionSource<int> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _forkedAt = Stopwatch.GetTimestamp();
    private long _exitedAt;
    private bool _exitedAfterDisconnect;

    internal Worker(int id, ChildProcess process, ClusterPrimary primary, WorkerPlace place)
    {
        Id = id;
        Process = process;
        Primary = primary;
        WorkerPlace = place;
    }

    /// <summary>The place this worker fills (kept by its replacements).</summary>
    internal WorkerPlace WorkerPlace { get; }

    /// <summary>Its last lines on stderr: kept with the worker, so they go when it goes.</summary>
    internal OutputTail StderrTail { get; } = new(20);

    /// <summary>Node's <c>worker.id</c>: 1 for the first worker the primary forked, then 2, 3…; never reused.</summary>
    public int Id { get; }

    /// <summary>
    /// The place in the cluster this worker fills: 1, 2, 3… in the order the primary's <see cref="ClusterPrimary.Fork"/>
    /// calls made them (<see cref="ClusterPrimary.StartAsync(CancellationToken)"/>'s workers are 1 to
    /// <see cref="ClusterSettings.Workers"/>). A worker that replaces it — a crash restart or a rolling restart — has
    /// the same number, where <see cref="Id"/> is new for every process. A place is never given back: when its worker
    /// is stopped for good (scaling down with <see cref="Disconnect"/> or <see cref="Kill"/>) or its restarts gave up,
    /// its number is not reused, and the next <see cref="ClusterPrimary.Fork"/> takes a new one.
    /// </summary>
    public int Place => WorkerPlace.Number;

    /// <summary>Node's <c>worker.process.pid</c>; null when the process could not be started.</summary>
    public int? Pid => Process.Pid;

    /// <summary>Node's <c>worker.process</c>: the child process itself.</summary>
    public ChildProcess Process { get; }

    /// <summary>The primary that forked this worker.</summary>
    public ClusterPrimary Primary { get; }

    /// <summary>True while the channel to the worker is open.</summary>
    public bool IsConnected => Process.Connected;

    /// <summary>True once the worker process has exited (or never started).</summary>
    public bool IsDead => !Process.IsRunning;

    /// <summary>True once the worker reported that it listens on the cluster's port.</summary>
    public bool IsListening => _listening.Task.IsCompletedSuccessfully;

    /// <summary>
    /// Node's <c>worker.exitedAfterDisconnect</c>: true when the worker exits after <see cref="Disconnect"/> (a
    /// planned stop), false when it exits on its own or is killed — which is how a crash is told from a shutdown.
    /// </summary>
    public bool ExitedAfterDisconnect
    {
        get { lock (_gate) return _exitedAfterDisconnect; }
    }

    /// <summary>Completes with the worker's exit.</summary>
    public Task<ChildExit> Exited => Process.Exited.ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : new ChildExit(null, null),
        TaskContinuationOptions.ExecuteSynchronously);

    /// <summary>How long the worker has run (until its exit, once it exited).</summary>
    public TimeSpan Uptime => Stopwatch.GetElapsedTime(_forkedAt, Interlocked.Read(ref _exitedAt) is var end and > 0 ? end : Stopwatch.GetTimestamp());

    /// <summary>
    /// Round-robin, after the worker exited: connections the primary had handed it that it never read. They were
    /// not lost: they went to other workers.
    /// </summary>
    public int RescuedConnections { get; private set; }

    /// <summary>
    /// Round-robin, after the worker exited: connections it had taken on and not finished — read and not answered,
    /// half answered, or kept alive for a next request. Each is a failed request for its client (or an unfinished one,
    /// when a load run ended first). Connections it had answered and closed are not counted, even if it died before
    /// it reported them.
    /// </summary>
    public int LostConnections { get; private set; }

    /// <summary>Completes when the worker listens; fails if it exits first.</summary>
    internal Task WhenListening => _listening.Task;

    /// <summary>Completes when the worker counts as started: listening, or (with <see cref="ClusterSettings.WaitReady"/>) ready too.</summary>
    internal Task WhenStarted => Primary.Settings.WaitReady ? Task.WhenAll(_listening.Task, _ready.Task) : _listening.Task;

    /// <summary>Node's <c>'online'</c>: the worker process runs and has opened its channel.</summary>
    public event Action<Worker>? Online;

    /// <summary>Node's <c>'listening'</c>: the worker accepts connections on the cluster's port (given).</summary>
    public event Action<Worker, int>? Listening;

    /// <summary>Node's <c>'message'</c>: a value the worker sent with <c>ParentProcess.Send</c>.</summary>
    public event Action<Worker, JsonElement>? Message;

    /// <summary>Node's <c>'disconnect'</c> (renamed: C# cannot give an event and a method the same name): the channel closed.</summary>
    public event Action<Worker>? Disconnected;

    /// <summary>Node's <c>'exit'</c>: the worker process ended, with its code or signal.</summary>
    public event WorkerExitHandler? Exit;

    /// <summary>Node's <c>worker.send(message)</c>: a message for the worker's <c>ParentProcess.Message</c>.</summary>
    [RequiresUnreferencedCode(MessageChannel.ReflectionJson), RequiresDynamicCode(MessageChannel.ReflectionJson)]
    public void Send(object? message) => Process.Send(message);

    /// <summary>The same, with source-generated type information: no reflection, fit for Native AOT.</summary>
    public void Send<T>(T message, JsonTypeInfo<T> type) => Process.Send(message, type);

    /// <summary>
    /// Node's <c>worker.disconnect()</c>, graceful: the worker stops accepting, answers what it has in flight with
    /// <c>Connection: close</c>, waits for its connections to close (at most <see cref="ClusterSettings.DisconnectTimeout"/>)
    /// and exits. It is killed if it is still there after that. Sets <see cref="ExitedAfterDisconnect"/>.
    /// </summary>
    public void Disconnect()
    {
        lock (_gate)
        {
            if (_exitedAfterDisconnect) return;
            _exitedAfterDisconnect = true;
        }
        Primary.StopRouting(this);
        Primary.Log(this, "disconnecting: it drains, then exits");
        if (Process.Connected)
        {
            try
            {
                Process.Send(ClusterMessages.Make(ClusterMessages.Disconnect));
            }
            catch (InvalidOperationException)
            {
                // The channel closed meanwhile: the worker is already going.
            }
        }
        _ = KillIfStillThereAsync(Primary.Settings.DisconnectTimeout);
    }

    /// <summary>
    /// Node's <c>worker.kill(signal)</c>: a planned stop without draining. No new connections are routed to the
    /// worker, it gets <paramref name="signal"/> (killed with SIGKILL if still there after
    /// <see cref="ClusterSettings.DisconnectTimeout"/>), and — as in Node — it counts as exited after disconnect,
    /// so it is not restarted. To make a worker crash, signal its process instead: <c>worker.Process.Kill(...)</c>.
    /// </summary>
    public bool Kill(string signal = "SIGTERM")
    {
        lock (_gate) _exitedAfterDisconnect = true;
        Primary.StopRouting(this);
        var sent = Process.Kill(signal);
        if (sent && signal != "SIGKILL") _ = KillIfStillThereAsync(Primary.Settings.DisconnectTimeout);
        return sent;
    }

    public override string ToString() => $"worker {Id} (pid {Pid?.ToString() ?? "-"})";

    internal void OnOnline() => Raise(Online, h => h(this));

    internal void OnListening(int port)
    {
        if (_listening.TrySetResult(port)) Raise(Listening, h => h(this, port));
    }

    internal void OnMessage(JsonElement message) => Raise(Message, h => h(this, message));

    internal void OnDisconnected() => Raise(Disconnected, h => h(this));

    internal void OnReady() => _ready.TrySetResult();

    internal void OnConnectionsCounted(int rescued, int lost)
    {
        RescuedConnections = rescued;
        LostConnections = lost;
    }

    internal void OnExit(ChildExit exit)
    {
        Interlocked.Exchange(ref _exitedAt, Stopwatch.GetTimestamp());
        _ready.TrySetException(new ClusterException($"{this} exited with {exit} before it was ready."));
        _listening.TrySetException(new ClusterException($"{this} exited with {exit} before it was listening."));
        Raise(Exit, h => h(this, exit.Code, exit.Signal));
    }

    private async Task KillIfStillThereAsync(TimeSpan after)
    {
        if (await Task.WhenAny(Process.Exited, Task.Delay(after)).ConfigureAwait(false) != Process.Exited && Process.Kill("SIGKILL"))
            Primary.Log(this, $"still running {after.TotalSeconds:0.#} s after it was told to stop: killed with SIGKILL");
    }

    private void Raise<T>(T? handlers, Action<T> invoke) where T : Delegate => HandlerFailures.Each($"a {this} event handler", handlers, invoke);
}
