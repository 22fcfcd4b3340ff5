using System.Diagnostics;

namespace Workbook.Cluster;

/// <summary>
/// One worker's adaptive hand-off limit (<see cref="HandOffLimit.Adaptive"/>), after TCP Vegas. Each settled
/// connection is a sample: the time from its hand-off to its first answer. The time a connection takes alone stands
/// for "no queue"; the limit times the share of a round's mean time spent above it estimates how many connections
/// wait behind others inside the worker. Once per round (as many samples as the limit, at least eight): few waiting,
/// or a wait too short to matter — the worker could run more (it waits on I/O, or answers in microseconds), and the
/// limit grows by half; many waiting a noticeable time — its cores are busy — it shrinks by a quarter, or by half when
/// most of what it holds waits. A CPU-bound worker so ends up holding about as many as it runs at once.
/// </summary>
/// <remarks>
/// The time alone is measured, not guessed (as BBR probes a path's round-trip time): when a round fills the limit
/// and the last probe is old enough — 250 ms after the first, then twice as long each time up to 10 s, so a new
/// worker's estimate follows its warm-up — or at once when the limit is down to 2 and still says "shrink" (the work
/// may have changed), the limit drops to 1 until four connections were answered alone, and their mean replaces the
/// time before. A mean, not the shortest: with answers of very different lengths (a health check beside requests
/// that wait on a database) the mean alone is what the mean under load is compared with. A probe costs a worker that
/// waits on I/O four answers' time at a rate of one; a worker that never fills its limit is never probed, so a light
/// load keeps the strict round-robin turn. Only the hand-off's reader thread samples; any thread reads
/// <see cref="Current"/>.
/// </remarks>
/// <param name="clock">Stopwatch ticks (tests drive it).</param>
/// <param name="most">How far it may grow.</param>
/// <param name="initial">Where it starts: by default above what a light load fills, so that the round-robin turn stays
/// strict; a worker that replaces one starts where its predecessor's limit stood (it runs the same program).</param>
internal sealed class AdaptiveLimit(Func<long>? clock = null, int most = HandOffLimit.AdaptiveMost, int initial = AdaptiveLimit.Initial)
{
    public const int Initial = 16;
    private const int RoundAtLeast = 8;

    // A queue of fewer than this share of the limit is taken for the jitter of a worker that waits on I/O (a timer of
    // 20 ms fires between 17 and 25 ms on a busy machine; means of rounds vary less); more than twice it, or more
    // than 2, for a queue. A CPU-bound worker holding 3 shows about 2 (a share of 2/3).
    private const double Tolerance = 0.25;
    private static readonly double Unnoticed = Stopwatch.Frequency / 1000.0; // a wait under 1 ms costs less than holding connections back
    private const int ProbeSamples = 4;
    private static readonly long FirstProbeGap = Stopwatch.Frequency / 4, LongestProbeGap = Stopwatch.Frequency * 10;
    private static readonly long ProbeAtMost = Stopwatch.Frequency / 2; // a probe ends after 500 ms, with what it has

    private readonly Func<long> _clock = clock ?? Stopwatch.GetTimestamp;
    private double _limit = Math.Clamp(initial, 1, most);
    private int _current = Math.Clamp(initial, 1, most), _learnt = Math.Clamp(initial, 1, most);
    private double _alone; // Stopwatch ticks a connection takes without a queue; 0 until the first probe
    private long _lastProbe = long.MinValue, _probeStart, _probeGap = FirstProbeGap, _probeTicks;
    private int _probeAlone = -1; // while probing: answers that were alone; -1: not probing
    private bool _probeDrained;
    private long _roundTicks;
    private int _roundSamples;
    private bool _roundUsed, _roundFull;

    public int Current => Volatile.Read(ref _current);

    /// <summary>Where the limit stands apart from a probe (which holds <see cref="Current"/> at 1 for a moment).</summary>
    public int Learnt => Volatile.Read(ref _learnt);

    /// <param name="ticks">Hand-off to settled, in Stopwatch ticks.</param>
    /// <param name="held">How many the worker held (handed and not settled) when this one settled, itself included.</param>
    public void Sample(long ticks, int held)
    {
        if (ticks <= 0) return;
        var now = _clock();
        if (_probeAlone >= 0)
        {
            // Alone: the worker held nothing else, and the one before was alone too — the first such one may have
            // been handed over while others still waited for a core.
            if (held > 1) _probeDrained = false;
            else if (!_probeDrained) _probeDrained = true;
            else (_probeAlone, _probeTicks) = (_probeAlone + 1, _probeTicks + ticks);
            if (_probeAlone < ProbeSamples && now - _probeStart < ProbeAtMost) return;
            if (_probeAlone > 0) _alone = (double)_probeTicks / _probeAlone;
            _probeAlone = -1;
            Volatile.Write(ref _current, (int)_limit);
            return;
        }
        _roundTicks += ticks;
        _roundSamples++;
        _roundUsed |= held * 2 >= _limit; // a light load that leaves the limit unused says nothing either way
        _roundFull |= held >= _limit;
        if (_roundSamples < Math.Max(RoundAtLeast, _limit)) return;

        var mean = (double)_roundTicks / _roundSamples;
        var queue = _limit * (1 - _alone / mean);
        var wait = mean - _alone;
        var grow = _alone > 0 && (queue < Math.Max(1, Tolerance * _limit) || wait < Unnoticed);
        var shrink = _alone > 0 && !grow && queue > Math.Max(2, 2 * Tolerance * _limit) && wait > 2 * Unnoticed;
        var due = _lastProbe == long.MinValue || now - _lastProbe > _probeGap || (shrink && _limit <= 2 && now - _lastProbe > 2 * ProbeAtMost);
        if (_roundFull && due)
        {
            if (_lastProbe != long.MinValue) _probeGap = Math.Min(LongestProbeGap, _probeGap * 2);
            (_probeAlone, _probeTicks, _probeStart, _lastProbe, _probeDrained) = (0, 0, now, now, false);
            Volatile.Write(ref _current, 1);
        }
        else if (_roundUsed && (grow || shrink))
        {
            _limit = Math.Clamp(Math.Round(grow ? _limit + Math.Max(1, _limit / 2) : queue > _limit / 2 ? _limit / 2 : _limit - Math.Max(1, _limit / 4)), 1, most);
            Volatile.Write(ref _learnt, (int)_limit);
            Volatile.Write(ref _current, (int)_limit);
        }
        (_roundTicks, _roundSamples, _roundUsed, _roundFull) = (0, 0, false, false);
    }
}
