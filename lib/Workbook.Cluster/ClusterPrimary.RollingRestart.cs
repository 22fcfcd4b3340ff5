using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Workbook.Cluster;

// Replacing every worker without dropping a request; a request while one runs joins it.
public sealed partial class ClusterPrimary
{
    private readonly object _rollGate = new();
    private Task<RollingRestartResult>? _rolling;
    private int _coalesced;

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
            try
            {
                replaced.AddRange(await ReplaceBatchAsync(batch, options.Drain).ConfigureAwait(false));
            }
            catch (ReplacementFailedException e)
            {
                var message = $"Rolling restart stopped: a replacement did not start ({e.InnerException!.Message}). {replaced.Count} of {places.Count} workers " +
                    "were replaced; the others were left serving.";
                _logger?.LogError("{Message}", message);
                throw new ClusterException(message, e.InnerException);
            }
        }
        int coalesced;
        lock (_rollGate) coalesced = _coalesced;
        _logger?.LogInformation("rolling restart done: {Count} workers replaced in {Seconds:0.0} s", replaced.Count, clock.Elapsed.TotalSeconds);
        return new RollingRestartResult(replaced, clock.Elapsed, coalesced);
    }

    /// <summary>
    /// Replaces one worker as a rolling restart replaces each (PM2 does this when a worker passes max_memory_restart):
    /// its replacement is forked into its place, and once it listens the old one drains and exits. During a rolling
    /// restart, that restart replaces it: this waits for it instead.
    /// </summary>
    /// <exception cref="ClusterException">The replacement did not start; the old worker keeps serving.</exception>
    public async Task<WorkerReplacement?> ReplaceAsync(Worker worker)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        Task<RollingRestartResult>? rolling;
        lock (_rollGate) rolling = _rolling is { IsCompleted: false } running ? running : null;
        if (rolling is not null) return (await rolling.ConfigureAwait(false)).Replaced.FirstOrDefault(r => r.Old == worker);
        if (worker.IsDead || !ReferenceEquals(worker.WorkerPlace.Current, worker)) return null;
        try
        {
            return (await ReplaceBatchAsync([worker.WorkerPlace], drain: true).ConfigureAwait(false)).SingleOrDefault();
        }
        catch (ReplacementFailedException e)
        {
            throw new ClusterException($"{worker} was not replaced: its replacement did not start ({e.InnerException!.Message}); it keeps serving.", e.InnerException);
        }
    }

    /// <summary>Forks a replacement into each place, waits until they started, then stops the old ones and waits for their exits.</summary>
    private async Task<List<WorkerReplacement>> ReplaceBatchAsync(IReadOnlyList<WorkerPlace> batch, bool drain)
    {
        var replacements = batch.Select(place => (Place: place, New: ForkInto(place, takeOver: false))).ToList();
        try
        {
            await Task.WhenAll(replacements.Select(r => WaitStartedAsync(r.New, _stopping.Token))).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            foreach (var r in replacements.Where(r => !r.New.IsDead)) r.New.Kill("SIGKILL");
            throw new ReplacementFailedException(e);
        }
        var replaced = new List<WorkerReplacement>();
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
            Raise(Replaced, h => h(step)); // before the old worker leaves the rotation, so a handler's clock reads that moment
            if (drain) old.Disconnect();
            else old.Kill("SIGTERM");
            exits.Add(old.Exited);
        }
        await Task.WhenAll(exits).ConfigureAwait(false); // bounded: a worker still there after DisconnectTimeout is killed
        return replaced;
    }

    private sealed class ReplacementFailedException(Exception inner) : Exception(inner.Message, inner);
}
