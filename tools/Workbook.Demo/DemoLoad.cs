using Workbook.LoadTesting;

namespace Workbook.Demo;

/// <summary>The load's last complete second: requests answered (2xx) per second, and responses per second per worker pid.</summary>
internal sealed record LoadSecond(double Rate, IReadOnlyDictionary<string, double> RateByPid)
{
    /// <summary>Requests per second the worker with this pid answered.</summary>
    public double RateOf(int? pid) => pid is int p && RateByPid.TryGetValue(p.ToString(), out var rate) ? rate : 0;
}

/// <summary>
/// The built-in load: a few closed-model clients against the cluster on 127.0.0.1, as one load run that attributes each
/// answer to its worker (the <c>X-Worker-Pid</c> header); the dashboard reads the run's live progress. Each time it is
/// switched on it stops by itself after <c>limit</c>: that is the run's duration.
/// </summary>
internal sealed class DemoLoad(Uri url, int clients, TimeSpan limit, EventLog log)
{
    private readonly object _gate = new();
    private LoadRun? _run;
    private Task _running = Task.CompletedTask;

    public bool IsOn
    {
        get { lock (_gate) return _run is not null; }
    }

    /// <summary>The last complete second, or null while the load is off or in its first second.</summary>
    public LoadSecond? Last
    {
        get
        {
            var progress = Progress;
            return progress is null || progress.Elapsed < TimeSpan.FromSeconds(1) ? null
                : new LoadSecond(progress.CurrentRate, progress.CurrentRateByAttribution);
        }
    }

    /// <summary>Answered requests since the load was last switched on.</summary>
    public long Ok => Progress?.Ok ?? 0;

    /// <summary>Failures by reason since the load was last switched on (reasons with none left out).</summary>
    public IReadOnlyDictionary<FailureReason, long> Failures =>
        Progress?.Failures.Where(f => f.Value > 0).ToDictionary() ?? new Dictionary<FailureReason, long>();

    private LoadProgress? Progress
    {
        get
        {
            lock (_gate) return _run?.Progress;
        }
    }

    public void Start()
    {
        lock (_gate)
        {
            if (_run is not null) return;
            var run = LoadRunner.Start(new LoadTest
            {
                Url = url,
                Label = "demo",
                Load = [Load.KeepConstant(clients, limit)],
                AttributeBy = "X-Worker-Pid",
                Timeout = TimeSpan.FromSeconds(5),
            });
            _run = run;
            _running = EndedAsync(run);
        }
        log.Add($"load on: {clients} clients to {url} (stops by itself after {limit.TotalSeconds:0} s)");
    }

    /// <summary>Stops the load and returns when its run has ended.</summary>
    public async Task StopAsync()
    {
        Task running;
        lock (_gate)
        {
            _run?.Cancel();
            running = _running;
        }
        await running.ConfigureAwait(false);
    }

    private async Task EndedAsync(LoadRun run)
    {
        var ended = "load off";
        try
        {
            if ((await run.Completion.ConfigureAwait(false)).StoppedBy == StopReason.Time) ended = $"load off: it ran its {limit.TotalSeconds:0} s";
        }
        catch (Exception e)
        {
            log.Add($"error: the load stopped: {e.Message}");
        }
        lock (_gate) _run = null;
        log.Add(ended);
    }
}
