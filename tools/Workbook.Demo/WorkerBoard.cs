using Workbook.Cluster;

namespace Workbook.Demo;

/// <summary>One row of the dashboard: a worker, the place it fills, and how often that place has been refilled so far.</summary>
internal sealed record WorkerRow(Worker Worker, int Place, int Restarts, string State, TimeSpan Uptime);

/// <summary>
/// The primary's workers as the dashboard shows them, one row per worker process (an exited one stays a few seconds,
/// so the audience sees it go). Each worker fills a place in the cluster (<see cref="Worker.Place"/>): a crash restart
/// or a rolling restart puts a new worker in the same place, so a place's restart count is the number of workers seen
/// in it, minus the first. A worker removed for good leaves its place empty; the next one forked takes a new place.
/// </summary>
internal sealed class WorkerBoard
{
    private static readonly TimeSpan ShowExitedFor = TimeSpan.FromSeconds(5);

    private readonly object _gate = new();
    private readonly List<Tracked> _tracked = [];
    private readonly Dictionary<int, int> _seenInPlace = [];

    private sealed class Tracked(Worker worker)
    {
        public Worker Worker { get; } = worker;
        public string? Exit { get; set; }
        public DateTime? ExitedAt { get; set; }
    }

    public WorkerBoard(ClusterPrimary primary)
    {
        primary.Forked += worker => Track(worker);
        primary.Exit += OnExit;
    }

    /// <summary>The rows to show now, by place.</summary>
    public IReadOnlyList<WorkerRow> Rows()
    {
        lock (_gate)
        {
            _tracked.RemoveAll(t => t.ExitedAt is DateTime at && DateTime.UtcNow - at > ShowExitedFor);
            return _tracked
                .OrderBy(t => t.Worker.Place).ThenBy(t => t.Worker.Id)
                .Select(t => new WorkerRow(t.Worker, t.Worker.Place, _seenInPlace[t.Worker.Place] - 1, StateOf(t), t.Worker.Uptime))
                .ToList();
        }
    }

    /// <summary>
    /// Live workers that serve and are not on their way out, one per place, by place: during a rolling restart, the
    /// replacement counts once it listens (the old worker it replaces still answers what it has until it is stopped).
    /// </summary>
    public IReadOnlyList<Worker> Serving()
    {
        lock (_gate)
        {
            return _tracked
                .Where(t => t.Exit is null && t.Worker is { IsListening: true, ExitedAfterDisconnect: false, IsDead: false })
                .GroupBy(t => t.Worker.Place)
                .OrderBy(place => place.Key)
                .Select(place => place.MaxBy(t => t.Worker.Id)!.Worker)
                .ToList();
        }
    }

    private static string StateOf(Tracked t) =>
        t.Exit is { } exit ? $"exited ({exit})"
        : t.Worker.ExitedAfterDisconnect ? "draining"
        : t.Worker.IsListening ? "listening"
        : "starting";

    private void OnExit(Worker worker, int? code, string? signal)
    {
        var t = Track(worker);
        lock (_gate)
        {
            t.Exit = signal ?? $"code {code?.ToString() ?? "?"}";
            t.ExitedAt = DateTime.UtcNow;
        }
    }

    /// <summary>The worker's entry, made the first time it is seen (a worker that dies at once may exit before its fork is reported).</summary>
    private Tracked Track(Worker worker)
    {
        lock (_gate)
        {
            if (_tracked.Find(t => t.Worker == worker) is { } known) return known;
            var t = new Tracked(worker);
            _tracked.Add(t);
            _seenInPlace[worker.Place] = _seenInPlace.GetValueOrDefault(worker.Place) + 1;
            return t;
        }
    }
}
