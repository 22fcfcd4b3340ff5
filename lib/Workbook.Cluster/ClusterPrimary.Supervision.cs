using Microsoft.Extensions.Logging;
using Workbook.Processes;

namespace Workbook.Cluster;

// After a worker's exit: its connections rescued, and a crashed one restarted in its place, with backoff (RestartPolicy).
public sealed partial class ClusterPrimary
{
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
            Raise(GaveUp, h => h(worker, unstable - 1));
            return;
        }
        lock (_portGate) _arriving++; // until RestartAsync has forked
        _logger?.LogWarning("{Worker} crashed; {Restart}", worker, unstable == 0
            ? $"starting a new worker at once (it had been up and listening for {policy.MinUptime.TotalSeconds:0.###} s or more: not a crash loop)"
            : $"it had not been up and listening for {policy.MinUptime.TotalSeconds:0.###} s: unstable crash {unstable} in a row in its place, " +
              $"restart {unstable} of at most {policy.MaxUnstableRestarts} " + (delay > TimeSpan.Zero ? $"in {delay.TotalMilliseconds:0} ms" : "at once"));
        Raise(Restarting, h => h(worker, delay));
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
}
