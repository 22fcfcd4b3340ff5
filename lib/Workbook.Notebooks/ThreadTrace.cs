using Workbook.LoadTesting;

namespace Workbook.Notebooks;

/// <summary>
/// Samples, in the background, how the threads of one name in a process spend their time (<see cref="ThreadTime"/>), so
/// that any stretch of it can be read afterwards: the seconds of a load run, or what came after its load stopped. A
/// server's one event-loop thread, traced through a run, tells apart the three reasons it answered less than it could:
/// it waited for a core (the machine is busy), or it had nothing to do (the clients did not send enough).
/// </summary>
public sealed class ThreadTrace : IDisposable
{
    private readonly record struct Sample(DateTimeOffset At, long RunningNs, long WaitingNs);

    private readonly int _pid;
    private readonly string _name;
    private readonly List<Sample> _samples = [];
    private readonly Lock _gate = new();
    private readonly Timer _timer;

    private ThreadTrace(int pid, string name, TimeSpan every)
    {
        _pid = pid;
        _name = name;
        TakeSample();
        if (_samples.Count == 0) throw new InvalidOperationException($"Process {pid} has no thread named '{name}' (or there is no /proc/PID/task/TID/schedstat to read).");
        _timer = new Timer(_ => TakeSample(), null, every, every);
    }

    /// <summary>
    /// Starts sampling the threads named <paramref name="threadName"/> (as Linux shows it: at most 15 characters) of process
    /// <paramref name="pid"/>, every <paramref name="every"/> (default 50 ms), until disposed or the process is gone.
    /// </summary>
    /// <exception cref="InvalidOperationException">No such process, or no thread of that name in it.</exception>
    public static ThreadTrace Start(int pid, string threadName, TimeSpan? every = null) =>
        new(pid, ProcFs.ThreadName(threadName), every ?? TimeSpan.FromMilliseconds(50));

    /// <summary>How the threads spent the time from <paramref name="from"/> to <paramref name="to"/> (at most now), between samples interpolated.</summary>
    /// <exception cref="ArgumentException">The stretch starts before the trace did, or ends before it starts.</exception>
    public ThreadTime Between(DateTimeOffset from, DateTimeOffset to)
    {
        TakeSample();
        lock (_samples)
        {
            if (from < _samples[0].At) throw new ArgumentException($"The trace started at {_samples[0].At:HH:mm:ss.fff}, after {from:HH:mm:ss.fff}.", nameof(from));
            if (to > _samples[^1].At) to = _samples[^1].At;
            if (to < from) throw new ArgumentException("The stretch ends before it starts.", nameof(to));
            var (a, b) = (At(from), At(to));
            return new ThreadTime(to - from, TimeSpan.FromTicks((b.RunningNs - a.RunningNs) / 100), TimeSpan.FromTicks((b.WaitingNs - a.WaitingNs) / 100));
        }
    }

    /// <summary>The seconds load was offered in <paramref name="run"/> (its <see cref="LoadResult.Duration"/>).</summary>
    public ThreadTime During(LoadResult run) => Between(run.StartedAt, run.LoadStoppedAt);

    /// <summary>All of <paramref name="run"/>: its load and its end grace, to <see cref="LoadResult.EndedAt"/>.</summary>
    public ThreadTime Through(LoadResult run) => Between(run.StartedAt, run.EndedAt);

    /// <summary>Each whole second of load in <paramref name="run"/>, as its per-second timeline counts them.</summary>
    public IReadOnlyList<ThreadTime> BySecond(LoadResult run) =>
        [.. Enumerable.Range(0, (int)run.Duration.TotalSeconds).Select(s => Between(run.StartedAt.AddSeconds(s), run.StartedAt.AddSeconds(s + 1)))];

    /// <summary>"computing 48% · 47% · 49%; waiting for a core 9% · 2% · 1%": <see cref="BySecond"/> in one line.</summary>
    public string BySecondText(LoadResult run)
    {
        var seconds = BySecond(run);
        return $"computing {string.Join(" · ", seconds.Select(s => $"{s.RunningShare:P0}"))}; " +
               $"waiting for a core {string.Join(" · ", seconds.Select(s => $"{s.WaitingShare:P0}"))}";
    }

    /// <summary>
    /// How long after <paramref name="from"/> the threads went on working: the end of the last sampling interval in which
    /// they ran, or were ready to run and waited for a core, for more than a tenth of it (zero if none did). Read it once
    /// the process is idle, so that the trace holds the end.
    /// </summary>
    public TimeSpan BusyAfter(DateTimeOffset from)
    {
        TakeSample();
        lock (_samples)
        {
            var busyUntil = from;
            for (int i = 1; i < _samples.Count; i++)
            {
                var (a, b) = (_samples[i - 1], _samples[i]);
                if (b.At <= from) continue;
                var interval = (b.At - a.At).Ticks * 100;
                if (b.RunningNs - a.RunningNs + b.WaitingNs - a.WaitingNs > interval / 10) busyUntil = b.At;
            }
            return busyUntil - from;
        }
    }

    /// <summary>Stops sampling; what was sampled can still be read.</summary>
    public void Dispose() => _timer?.Dispose();

    private Sample At(DateTimeOffset t)
    {
        int i = _samples.FindIndex(s => s.At >= t);
        var b = _samples[i];
        if (b.At == t || i == 0) return b;
        var a = _samples[i - 1];
        double f = (t - a.At) / (b.At - a.At);
        return new Sample(t, a.RunningNs + (long)(f * (b.RunningNs - a.RunningNs)), a.WaitingNs + (long)(f * (b.WaitingNs - a.WaitingNs)));
    }

    private void TakeSample()
    {
        lock (_gate) TakeSampleNow();
    }

    private void TakeSampleNow()
    {
        long running = 0, waiting = 0;
        var found = false;
        if (ProcFs.Threads(_pid) is not { } tasks) return; // the process is gone
        foreach (var task in tasks)
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') != _name) continue;
                var fields = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
                running += long.Parse(fields[0]);
                waiting += long.Parse(fields[1]);
                found = true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // the thread ended between the listing and the read
            }
        }
        if (!found) return;
        lock (_samples)
        {
            var now = DateTimeOffset.UtcNow;
            if (_samples.Count == 0 || now > _samples[^1].At) _samples.Add(new Sample(now, running, waiting));
        }
    }
}
