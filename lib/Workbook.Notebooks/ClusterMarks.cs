using System.Text.RegularExpressions;
using Workbook.Cluster;
using Workbook.LoadTesting;

namespace Workbook.Notebooks;

/// <summary>
/// A cluster's events written onto a load run's timeline while the run goes on: <c>up N</c> when a worker starts
/// listening, <c>exit N</c> when a worker exits after it was told to go (a rolling restart, a disconnect),
/// <c>crash N</c> when it exits on its own. Marks go on the timeline while the run goes on; the counts
/// (<see cref="Crashes"/>, <see cref="Lost"/>…) go on until it is disposed, so a crash whose exit the primary
/// reports just after the run ended still counts: <code>var marks = ClusterMarks.On(run, cluster);</code>
/// For ours, N is the worker's id; for the notes' Node programs, what their output says (the crashed worker's id;
/// <c>up</c> and <c>exit</c> without one, as the notes print only a pid there).
/// </summary>
public sealed partial class ClusterMarks : IDisposable
{
    private readonly LoadRun _run;
    private readonly List<Worker> _exited = [];
    private readonly Action _unsubscribe;
    private readonly Timer? _watch;
    private int _crashes, _ups, _exits, _fewestServing = int.MaxValue;

    private ClusterMarks(LoadRun run, Action<ClusterMarks> subscribe, Action<ClusterMarks> unsubscribe, Func<int>? serving, TimeSpan watchEvery)
    {
        _run = run;
        _unsubscribe = () => unsubscribe(this);
        subscribe(this);
        if (serving is not null)
            _watch = new Timer(_ => { var n = serving(); lock (_exited) _fewestServing = Math.Min(_fewestServing, n); }, null, TimeSpan.Zero, watchEvery);
        run.Completion.ContinueWith(_ => _watch?.Dispose(), TaskScheduler.Default); // the watch is about the run
    }

    /// <summary>
    /// Marks <paramref name="primary"/>'s workers on <paramref name="run"/>: <c>up</c>, <c>exit</c>, <c>crash</c>.
    /// It also counts, every <paramref name="watchEvery"/> (default 20 ms), the workers in the rotation: listening
    /// and not told to go (<see cref="FewestServing"/>).
    /// </summary>
    public static ClusterMarks On(LoadRun run, ClusterPrimary primary, TimeSpan? watchEvery = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(primary);
        Action<Worker, int>? listening = null;
        WorkerExitHandler? exit = null;
        return new ClusterMarks(run,
            marks =>
            {
                listening = (worker, _) => marks.Up($"up {worker.Id}");
                exit = (worker, _, _) => marks.Exited(worker);
                primary.Listening += listening;
                primary.Exit += exit;
            },
            _ =>
            {
                primary.Listening -= listening;
                primary.Exit -= exit;
            },
            () => primary.Workers.Values.Count(w => w.IsListening && !w.ExitedAfterDisconnect),
            watchEvery ?? TimeSpan.FromMilliseconds(20));
    }

    /// <summary>
    /// Marks a notes' Node program from its output: <c>Worker N crashed</c> → <c>crash N</c>, <c>Started process</c> →
    /// <c>up</c>, <c>Exited process</c> → <c>exit</c>.
    /// </summary>
    public static ClusterMarks On(LoadRun run, NodeProgram node)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(node);
        Action<string>? line = null;
        return new ClusterMarks(run,
            marks =>
            {
                line = marks.NodeLine;
                node.Line += line;
            },
            _ => node.Line -= line,
            serving: null, TimeSpan.Zero);
    }

    /// <summary>Our workers that exited while marking, in order (their <see cref="Worker.LostConnections"/> are counted then).</summary>
    public IReadOnlyList<Worker> ExitedWorkers
    {
        get { lock (_exited) return [.. _exited]; }
    }

    /// <summary>Workers that exited on their own (not told to): crashes.</summary>
    public int Crashes => Volatile.Read(ref _crashes);

    /// <summary>Workers that exited after they were told to go.</summary>
    public int Exits => Volatile.Read(ref _exits);

    /// <summary>Workers that started listening while marking.</summary>
    public int Ups => Volatile.Read(ref _ups);

    /// <summary>Connections our crashed workers had taken on and not finished: the primary's count of lost ones.</summary>
    public int Lost => ExitedWorkers.Where(w => !w.ExitedAfterDisconnect).Sum(w => w.LostConnections);

    /// <summary>The most connections one crash lost: the largest <see cref="Worker.LostConnections"/> of a crashed worker (0 if none crashed).</summary>
    public int MostLostInOneCrash => ExitedWorkers.Where(w => !w.ExitedAfterDisconnect).Select(w => w.LostConnections).DefaultIfEmpty(0).Max();

    /// <summary>Connections our crashed workers had not read yet, which the primary gave to another worker.</summary>
    public int HandedOn => ExitedWorkers.Where(w => !w.ExitedAfterDisconnect).Sum(w => w.RescuedConnections);

    /// <summary>The fewest workers in the rotation at any look (ours only; -1 for a Node program, which cannot be watched).</summary>
    public int FewestServing
    {
        get { lock (_exited) return _watch is null ? -1 : _fewestServing == int.MaxValue ? 0 : _fewestServing; }
    }

    /// <summary>
    /// From a run's marks: for each <c>crash</c>, the time until the next <c>up</c> not yet paired with an earlier crash
    /// (how long its place was empty); crashes with no <c>up</c> after them are left out.
    /// </summary>
    public static IReadOnlyList<TimeSpan> CrashToUp(LoadResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var waiting = new Queue<TimeSpan>();
        var gaps = new List<TimeSpan>();
        foreach (var mark in result.Marks.OrderBy(m => m.At))
        {
            if (mark.Text.StartsWith("crash", StringComparison.Ordinal)) waiting.Enqueue(mark.At);
            else if (mark.Text.StartsWith("up", StringComparison.Ordinal) && waiting.TryDequeue(out var crashedAt)) gaps.Add(mark.At - crashedAt);
        }
        return gaps;
    }

    /// <summary>
    /// From a run's marks: for each <c>restart N</c> mark, the old workers that exited (<c>exit</c> marks) before the
    /// next restart mark or the run's end, and how long after the mark the last of them did, e.g. "restart 1: 2 of 2
    /// workers exited, the last 0.2 s after it; restart 2: 0 of 2 exited in the 7.8 s the run went on".
    /// </summary>
    public static string DescribeRestarts(LoadResult result, int workers)
    {
        ArgumentNullException.ThrowIfNull(result);
        var marks = result.Marks.OrderBy(m => m.At).ToList();
        var restarts = marks.Where(m => m.Text.StartsWith("restart", StringComparison.Ordinal)).ToList();
        return string.Join("; ", restarts.Select((restart, i) =>
        {
            var last = i + 1 == restarts.Count; // its exits count up to the last mark, which may come just after the run's end
            var until = last ? result.Duration : restarts[i + 1].At;
            var exits = marks.Where(m => m.Text.StartsWith("exit", StringComparison.Ordinal) && m.At >= restart.At && (last || m.At < until)).ToList();
            return exits.Count == 0
                ? $"{restart.Text}: 0 of {workers} old workers exited in the {(until - restart.At).TotalSeconds:0.0} s {(last ? "the run went on" : "before the next")}"
                : $"{restart.Text}: {exits.Count} of {workers} old workers exited, the last {(exits[^1].At - restart.At).TotalSeconds:0.0} s after it";
        }));
    }

    /// <summary>Marks something else now, e.g. <c>restart 1</c>.</summary>
    public void Mark(string text) => _run.Mark(text);

    public void Dispose()
    {
        _watch?.Dispose();
        _unsubscribe();
    }

    private void Up(string text)
    {
        Interlocked.Increment(ref _ups);
        MarkDuringRun(text);
    }

    /// <summary>On the timeline only while the run goes on: a mark after its end would be past its axis.</summary>
    private void MarkDuringRun(string text)
    {
        if (!_run.Completion.IsCompleted) _run.Mark(text);
    }

    private void Exited(Worker worker)
    {
        lock (_exited) _exited.Add(worker);
        if (worker.ExitedAfterDisconnect)
        {
            Interlocked.Increment(ref _exits);
            MarkDuringRun($"exit {worker.Id}");
        }
        else
        {
            Interlocked.Increment(ref _crashes);
            MarkDuringRun($"crash {worker.Id}");
        }
    }

    private void NodeLine(string line)
    {
        if (NodeCrash().Match(line) is { Success: true } crash)
        {
            Interlocked.Increment(ref _crashes);
            MarkDuringRun($"crash {crash.Groups[1].Value}");
        }
        else if (line.StartsWith("Started process ", StringComparison.Ordinal)) Up("up");
        else if (line.StartsWith("Exited process ", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _exits);
            MarkDuringRun("exit");
        }
    }

    [GeneratedRegex(@"^Worker (\d+) crashed")]
    private static partial Regex NodeCrash();
}
