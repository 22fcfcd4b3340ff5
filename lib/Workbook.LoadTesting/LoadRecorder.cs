using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using HdrHistogram;

namespace Workbook.LoadTesting;

/// <summary>
/// Counts and latencies of a run, safe to record from many requests at once. Every finished request lands in
/// exactly one second of the timeline (by completion time), so the timeline adds up to the totals.
/// </summary>
internal sealed class LoadRecorder
{
    private const long HighestMicros = 10L * 60 * 1_000_000; // 10 minutes

    private readonly long _start;
    private readonly Second?[] _seconds;
    private readonly LongConcurrentHistogram _latency = new(1, HighestMicros, 3);
    private readonly long[] _failures = FailureReasons.NewCounts();
    private readonly ConcurrentDictionary<int, StrongBox<long>> _statusCodes = new();
    private readonly ConcurrentDictionary<string, StrongBox<long>> _byAttribution = new();
    private readonly ConcurrentQueue<LoadMark> _marks = new();
    private long _requests, _ok, _okAfterEnd, _unfinished, _inFlight;
    private long _endsAt;
    private readonly DateTimeOffset _startedAt;

    public LoadRecorder(long start, TimeSpan span, TimeSpan offered)
    {
        _start = start;
        _endsAt = start + (long)(offered.TotalSeconds * Stopwatch.Frequency);
        _startedAt = DateTimeOffset.UtcNow - Stopwatch.GetElapsedTime(start);
        _seconds = new Second?[(int)Math.Ceiling(span.TotalSeconds) + 1]; // each made when first needed: a long run grows as it goes
    }

    public long Requests => Interlocked.Read(ref _requests);

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_start);

    /// <summary>
    /// The load stopped: answers completed from its time bound on (or from now, if something stopped it earlier) come in
    /// the end grace — in the totals, not in the throughput. By completion time, as the timeline counts them (a timer can
    /// fire a little early, so the time bound itself stays where it is).
    /// </summary>
    public void EndOffering(bool byTimeBound)
    {
        var now = Stopwatch.GetTimestamp();
        if (!byTimeBound && now < Interlocked.Read(ref _endsAt)) Interlocked.Exchange(ref _endsAt, now);
    }

    public void Started()
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Increment(ref _inFlight);
    }

    public void Answered(long scheduledAt, long completedAt, int status, string? attribution)
    {
        Interlocked.Decrement(ref _inFlight);
        var second = SecondAt(completedAt);
        long micros = Math.Clamp((long)((completedAt - scheduledAt) * 1_000_000.0 / Stopwatch.Frequency), 1, HighestMicros);
        _latency.RecordValue(micros);
        second.Latency.RecordValue(micros);
        if (status is >= 200 and < 300)
        {
            Interlocked.Increment(ref _ok);
            Interlocked.Increment(ref second.Ok);
            if (completedAt >= Interlocked.Read(ref _endsAt)) Interlocked.Increment(ref _okAfterEnd);
        }
        else
        {
            Interlocked.Increment(ref _failures[(int)FailureReason.Status]);
            Interlocked.Increment(ref second.Failed);
            Interlocked.Increment(ref _statusCodes.GetOrAdd(status, _ => new StrongBox<long>()).Value);
        }
        if (attribution is not null)
        {
            Interlocked.Increment(ref _byAttribution.GetOrAdd(attribution, _ => new StrongBox<long>()).Value);
            Interlocked.Increment(ref second.ByAttribution.GetOrAdd(attribution, _ => new StrongBox<long>()).Value);
        }
    }

    public void Failed(long completedAt, FailureReason reason, bool wasInFlight = true)
    {
        if (wasInFlight) Interlocked.Decrement(ref _inFlight);
        Interlocked.Increment(ref _failures[(int)reason]);
        Interlocked.Increment(ref SecondAt(completedAt).Failed);
    }

    public void NotSent(long at)
    {
        Interlocked.Increment(ref _requests);
        Failed(at, FailureReason.NotSent, wasInFlight: false);
    }

    public void Abandoned()
    {
        Interlocked.Decrement(ref _inFlight);
        Interlocked.Increment(ref _unfinished);
    }

    public void Mark(string text) => _marks.Enqueue(new LoadMark(Elapsed, text));

    /// <summary>A snapshot, safe while requests are recorded; it copies a few counters and one entry per attribution value.</summary>
    public LoadProgress Progress(TimeSpan duration)
    {
        var elapsed = Elapsed;
        int current = (int)elapsed.TotalSeconds;
        // Rates are those of the last complete second; during the first second, of the part so far.
        var (last, seconds) = current == 0 ? (SecondNo(0), Math.Max(elapsed.TotalSeconds, 0.001)) : (SecondNo(current - 1), 1.0);
        var failures = FailureReasons.ToDictionary(_failures);
        return new LoadProgress(elapsed, duration, Requests, Interlocked.Read(ref _ok), failures.Values.Sum(), Interlocked.Read(ref _inFlight),
            Interlocked.Read(ref last.Ok) / seconds, Interlocked.Read(ref _unfinished))
        {
            Failures = failures,
            ByAttribution = _byAttribution.ToDictionary(a => a.Key, a => Interlocked.Read(ref a.Value.Value)),
            CurrentRateByAttribution = last.ByAttribution.ToDictionary(a => a.Key, a => Interlocked.Read(ref a.Value.Value) / seconds),
        };
    }

    public LoadResult Result(LoadTest test, string profile, TimeSpan duration, StopReason stoppedBy)
    {
        int lastUsed = Array.FindLastIndex(_seconds, s => s is not null && s.Ok + s.Failed > 0);
        int seconds = Math.Min(Math.Max(lastUsed + 1, (int)Math.Ceiling(duration.TotalSeconds)), _seconds.Length);
        var timeline = Enumerable.Range(0, seconds).Select(SecondNo).Select((s, i) => new TimelineSecond(
            i, s.Ok, s.Failed, Percentile(s.Latency, 50), Percentile(s.Latency, 99),
            s.ByAttribution.ToDictionary(a => a.Key, a => a.Value.Value))).ToList();
        var failures = FailureReasons.ToDictionary(_failures);
        return new LoadResult
        {
            Label = test.Label,
            Url = test.Url,
            Profile = profile,
            Connection = test.Connection,
            Duration = duration,
            StartedAt = _startedAt,
            EndedAt = _startedAt + Elapsed,
            StoppedBy = stoppedBy,
            Requests = Requests,
            Ok = Interlocked.Read(ref _ok),
            OkAfterEnd = Interlocked.Read(ref _okAfterEnd),
            Unfinished = Interlocked.Read(ref _unfinished),
            Failures = failures,
            StatusCodes = _statusCodes.OrderBy(s => s.Key).ToDictionary(s => s.Key, s => s.Value.Value),
            Latency = Summary(_latency),
            Timeline = timeline,
            ByAttribution = _byAttribution.OrderByDescending(a => a.Value.Value).ToDictionary(a => a.Key, a => a.Value.Value),
            Marks = [.. _marks],
            LatencyHistogram = _latency.Copy(),
        };
    }

    private static LatencySummary Summary(HistogramBase h) => new(
        h.TotalCount,
        h.TotalCount == 0 ? TimeSpan.Zero : TimeSpan.FromMicroseconds(h.GetMean()),
        Percentile(h, 50), Percentile(h, 90), Percentile(h, 99), Percentile(h, 99.9),
        h.TotalCount == 0 ? TimeSpan.Zero : TimeSpan.FromMicroseconds(h.GetMaxValue()));

    /// <summary>A percentile in time; zero for an empty histogram (which has none).</summary>
    private static TimeSpan Percentile(HistogramBase h, double percentile) =>
        h.TotalCount == 0 ? TimeSpan.Zero : TimeSpan.FromMicroseconds(h.GetValueAtPercentile(percentile));

    private Second SecondAt(long timestamp) => SecondNo((int)((timestamp - _start) / Stopwatch.Frequency));

    /// <summary>Second <paramref name="index"/> of the run (the last one for anything later), made on first use.</summary>
    private Second SecondNo(int index)
    {
        index = Math.Clamp(index, 0, _seconds.Length - 1);
        return Volatile.Read(ref _seconds[index]) ?? Interlocked.CompareExchange(ref _seconds[index], new Second(), null) ?? _seconds[index]!;
    }

    /// <summary>The counts of one second of the run, by completion time.</summary>
    private sealed class Second
    {
        public long Ok;
        public long Failed;
        public readonly LongConcurrentHistogram Latency = new(1, HighestMicros, 2);
        public readonly ConcurrentDictionary<string, StrongBox<long>> ByAttribution = new();
    }
}
