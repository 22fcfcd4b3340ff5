using Workbook.LoadTesting;

namespace Workbook.Demo;

/// <summary>One second of the built-in load: requests answered per worker pid, and failures by reason.</summary>
internal sealed record LoadSecond(TimeSpan Duration, long Ok, IReadOnlyDictionary<string, long> ByPid, IReadOnlyDictionary<FailureReason, long> Failures)
{
    public double Rate => Ok / Duration.TotalSeconds;

    /// <summary>Requests per second the worker with this pid answered.</summary>
    public double RateOf(int? pid) => pid is int p && ByPid.TryGetValue(p.ToString(), out var n) ? n / Duration.TotalSeconds : 0;
}

/// <summary>
/// The built-in load: a few closed-model clients against the cluster on 127.0.0.1, run as back-to-back one-second
/// load runs. A run reports which worker answered what only when it ends, so one-second runs give the dashboard
/// requests per second per worker. Each time it is switched on it stops by itself after <c>limit</c>.
/// </summary>
internal sealed class DemoLoad(Uri url, int clients, TimeSpan limit, EventLog log)
{
    public static readonly TimeSpan Slice = TimeSpan.FromSeconds(1);

    private readonly object _gate = new();
    private readonly Dictionary<FailureReason, long> _failures = [];
    private CancellationTokenSource? _stop;
    private Task _running = Task.CompletedTask;
    private LoadSecond? _last;
    private long _ok;

    public bool IsOn
    {
        get { lock (_gate) return _stop is not null; }
    }

    /// <summary>The last completed second, or null while the load is off.</summary>
    public LoadSecond? Last
    {
        get { lock (_gate) return _stop is null ? null : _last; }
    }

    /// <summary>Answered requests since the load was last switched on.</summary>
    public long Ok
    {
        get { lock (_gate) return _ok; }
    }

    /// <summary>Failures by reason since the load was last switched on.</summary>
    public IReadOnlyDictionary<FailureReason, long> Failures
    {
        get { lock (_gate) return new Dictionary<FailureReason, long>(_failures); }
    }

    public void Start()
    {
        lock (_gate)
        {
            if (_stop is not null) return;
            _stop = new CancellationTokenSource();
            _failures.Clear();
            _ok = 0;
            _last = null;
            _running = Task.Run(() => RunAsync(_stop));
        }
        log.Add($"load on: {clients} clients to {url} (stops by itself after {limit.TotalSeconds:0} s)");
    }

    /// <summary>Stops the load and returns when its last run has ended.</summary>
    public async Task StopAsync()
    {
        Task running;
        lock (_gate)
        {
            _stop?.Cancel();
            running = _running;
        }
        await running.ConfigureAwait(false);
    }

    private async Task RunAsync(CancellationTokenSource stop)
    {
        var test = new LoadTest
        {
            Url = url,
            Label = "demo",
            Load = [Load.KeepConstant(clients, Slice)],
            AttributeBy = "X-Worker-Pid",
            Timeout = TimeSpan.FromSeconds(5),
        };
        var until = DateTime.UtcNow + limit;
        try
        {
            while (!stop.IsCancellationRequested && DateTime.UtcNow < until)
            {
                var result = await LoadRunner.RunAsync(test, stop.Token).ConfigureAwait(false);
                lock (_gate)
                {
                    _ok += result.Ok;
                    foreach (var (reason, count) in result.Failures.Where(f => f.Value > 0))
                        _failures[reason] = _failures.GetValueOrDefault(reason) + count;
                    if (result.StoppedBy != "cancelled")
                        _last = new LoadSecond(result.Duration, result.Ok, result.ByAttribution, result.Failures);
                }
            }
        }
        catch (Exception e)
        {
            log.Add($"error: the load stopped: {e.Message}");
        }
        finally
        {
            lock (_gate) _stop = null;
            stop.Dispose();
            log.Add(DateTime.UtcNow >= until ? $"load off: it ran its {limit.TotalSeconds:0} s" : "load off");
        }
    }
}
