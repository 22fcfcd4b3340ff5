using Microsoft.Extensions.Logging;
using Workbook.Processes;

namespace Workbook.Cluster;

// Forking a worker (Node's cluster.fork()): its place, its environment, what it inherits, and waiting until it has started.
public sealed partial class ClusterPrimary
{
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
        var env = new Dictionary<string, string>(Settings.Env)
        {
            [Cluster.WorkerIdVariable] = id.ToString(),
            [Cluster.PolicyVariable] = Cluster.PolicyName(Settings.SchedulingPolicy),
            [Cluster.AddressVariable] = Settings.Address.ToString(),
            [Cluster.PortVariable] = Port.ToString(),
            [Cluster.DisconnectTimeoutVariable] = ((long)Settings.DisconnectTimeout.TotalMilliseconds).ToString(),
        };
        if (Settings.SessionAffinity == SessionAffinity.Cookie) env[Cluster.AffinityCookieVariable] = Settings.AffinityCookieName;

        var process = _handle!.Fork(id, place.Number, inherit => // open: ForkInto opened it, and its _arriving keeps it so
            ChildProcess.ForkCore(Settings.Exec, Settings.Args, new ForkOptions { Stdio = StdioMode.Pipe, Cwd = Settings.Cwd, Logger = _logger }, inherit, env));

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
        Raise(Forked, h => h(worker));
        return worker;
    }

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
}
