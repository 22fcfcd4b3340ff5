using System.Threading.Channels;
using Workbook.Cluster;

namespace Workbook.Demo;

/// <summary>
/// The demo while it runs: this process is the cluster's primary, so it sees every worker; keys act on the cluster
/// and the load; the dashboard shows the result. It stops on q, end of redirected stdin, Ctrl+C, SIGTERM or
/// after <see cref="DemoOptions.MaxDuration"/>: the load first, then the workers drain and the primary is disposed.
/// </summary>
internal sealed class Demo
{
    private readonly DemoOptions _options;
    private readonly ClusterPrimary _primary;
    private readonly WorkerBoard _board;
    private readonly EventLog _log;
    private readonly DemoLoad _load;
    private readonly TaskCompletionSource<string> _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _rolling = Task.CompletedTask;

    private Demo(DemoOptions options, ClusterPrimary primary, WorkerBoard board, EventLog log)
    {
        _options = options;
        _primary = primary;
        _board = board;
        _log = log;
        _load = new DemoLoad(new Uri($"http://127.0.0.1:{primary.Port}/"), options.Clients, options.LoadLimit, log);
    }

    /// <summary>Starts the cluster and runs the demo; the exit code: 0 after a clean stop, 1 when the cluster could not start.</summary>
    public static async Task<int> RunAsync(DemoOptions options)
    {
        var workerProgram = ExamplePaths.Dll("Cluster");
        if (!File.Exists(workerProgram))
        {
            Console.Error.WriteLine($"Workbook.Demo: the cluster example is not built at {workerProgram}; run 'dotnet build tools/Workbook.Demo'.");
            return 1;
        }
        var log = new EventLog();
        var primary = new ClusterPrimary(new ClusterSettings
        {
            Exec = workerProgram,
            Args = ["--work", options.Work.ToString()],
            Workers = options.Workers,
            Port = options.Port,
            WorkerOutput = log.Writer(),
            Logger = log,
            // The load is stopped before the cluster, so draining takes moments; this only bounds a stuck worker.
            DisconnectTimeout = TimeSpan.FromSeconds(5),
        });
        var board = new WorkerBoard(primary);
        Console.WriteLine($"Workbook.Demo PID: {Environment.ProcessId}");
        try
        {
            await primary.StartAsync();
        }
        catch (ClusterException e)
        {
            await primary.DisposeAsync();
            Console.Error.WriteLine($"Workbook.Demo: {e.Message}");
            return 1;
        }
        Console.WriteLine($"Cluster: {primary.Url} with {options.Workers} workers, pids {string.Join(", ", primary.Workers.Values.Select(w => w.Pid))}");
        return await new Demo(options, primary, board, log).RunAsync();
    }

    private async Task<int> RunAsync()
    {
        var signals = _primary.HandleSignals(); // SIGTERM, SIGINT (Ctrl+C): stop; SIGUSR2: rolling restart
        _ = _primary.ShutdownRequested.ContinueWith(t => _stop.TrySetResult(t.Result), TaskContinuationOptions.OnlyOnRanToCompletion);
        using var keysStop = new CancellationTokenSource();
        using var timeLimit = new Timer(_ => _stop.TrySetResult($"--max-seconds {_options.MaxDuration.TotalSeconds:0}"), null, _options.MaxDuration, Timeout.InfiniteTimeSpan);
        var keys = HandleKeysAsync(KeyInput.Start(keysStop.Token));
        if (_options.Load) _load.Start();
        _log.Add($"ready; keys: {Dashboard.Keys}");

        try
        {
            await new Dashboard(_options, _primary.Url, _board, _load, _log).RunAsync(_stop.Task);
        }
        finally
        {
            // Also when the display fails: the cluster is still stopped gracefully.
            _stop.TrySetResult("the display failed");
            keysStop.Cancel();
            Console.WriteLine($"Stopping ({await _stop.Task}): the load, then the workers drain");
            await _load.StopAsync();
            var pids = _primary.Workers.Values.Select(w => w.Pid).ToList();
            await _primary.DisposeAsync();
            signals.Dispose();
            await Task.WhenAny(_rolling, Task.Delay(TimeSpan.FromSeconds(5))); // it ends with the cluster (reported, not thrown)
            await Task.WhenAny(keys, Task.Delay(TimeSpan.FromSeconds(1)));
            Console.WriteLine($"Stopped: workers {string.Join(", ", pids)} exited; the primary is disposed.");
        }
        return 0;
    }

    private async Task HandleKeysAsync(ChannelReader<char> keys)
    {
        await foreach (var key in keys.ReadAllAsync())
        {
            if (_stop.Task.IsCompleted) return;
            try
            {
                Act(char.ToLowerInvariant(key));
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
            {
                _log.Add($"'{key}' failed: {e.Message}");
            }
        }
    }

    private void Act(char key)
    {
        switch (key)
        {
            case KeyInput.Quit:
                _stop.TrySetResult("q");
                break;
            case 'k':
                KillOne();
                break;
            case 'r':
                StartRollingRestart();
                break;
            case '+' or '=':
                AddWorker();
                break;
            case '-' or '_':
                RemoveWorker();
                break;
            case 'l':
                if (_load.IsOn) _ = _load.StopAsync();
                else _load.Start();
                break;
            default:
                _log.Add($"'{key}' does nothing; keys: {Dashboard.Keys}");
                break;
        }
    }

    /// <summary>A crash, not a planned stop: SIGKILL to the process itself, so the primary's restart policy replaces it.</summary>
    private void KillOne()
    {
        if (_board.Serving().FirstOrDefault() is not { } victim)
        {
            _log.Add("k: no serving worker to kill");
            return;
        }
        _log.Add($"k: killing {victim} with SIGKILL");
        victim.Process.Kill("SIGKILL");
    }

    private void StartRollingRestart()
    {
        if (!_rolling.IsCompleted)
        {
            _log.Add("r: a rolling restart is already running");
            return;
        }
        _log.Add("r: rolling restart, one worker at a time");
        _rolling = RollAsync();
    }

    private async Task RollAsync()
    {
        // The primary logs the outcome ("rolling restart done: …", or why it stopped) to the event log itself.
        try
        {
            await _primary.RollingRestartAsync();
        }
        catch (ClusterException)
        {
        }
        catch (ObjectDisposedException)
        {
            _log.Add("rolling restart stopped: the cluster is stopping");
        }
    }

    private void AddWorker()
    {
        if (_board.Serving().Count >= DemoOptions.MaxWorkers)
        {
            _log.Add($"+: {DemoOptions.MaxWorkers} workers is the most this demo runs");
            return;
        }
        var worker = _primary.Fork();
        _log.Add($"+: forked {worker}");
    }

    /// <summary>The last worker drains and exits; as a planned stop it is not replaced. One always stays.</summary>
    private void RemoveWorker()
    {
        var serving = _board.Serving();
        if (serving.Count <= 1)
        {
            _log.Add("-: the last worker stays (the port would close)");
            return;
        }
        var worker = serving[^1];
        _log.Add($"-: removing {worker}: it drains, then exits");
        worker.Disconnect();
    }
}
