using Workbook.LoadTesting;

namespace Workbook.Benchmarks;

/// <summary>
/// Which failed requests of the soak a reload caused and which a crash did, from the load runs' timelines (failures
/// per second of completion) and the times of the reloads and kills on the same clock. The rule:
/// a second that overlaps a reload window — from the <c>reload</c> command's start to 2 s after it returned — counts
/// for reloads (also if a crash window overlaps it too: the reload target is then the stricter); else a second that
/// overlaps a crash window — 3 s from the kill — counts for crashes; else it is unattributed. The soak kills no worker
/// from 4 s before a reload until <see cref="KillsResume"/> after its window, so no second of a reload window holds a crash's failures.
/// </summary>
public sealed class SoakAttribution
{
    public static readonly TimeSpan AfterReload = TimeSpan.FromSeconds(2), AfterCrash = TimeSpan.FromSeconds(3), BeforeReload = TimeSpan.FromSeconds(4);

    /// <summary>
    /// How long after a reload window the kills resume: more than a second, since failures are counted per whole
    /// second; with half a second, a kill's failures could land in the second the window ended in, and count for it.
    /// </summary>
    public static readonly TimeSpan KillsResume = TimeSpan.FromSeconds(1.5);

    private readonly List<(TimeSpan From, TimeSpan To)> _reloads = [];
    private readonly List<TimeSpan> _crashes = [];

    public int Reloads { get { lock (_reloads) return _reloads.Count; } }
    public int Crashes { get { lock (_crashes) return _crashes.Count; } }

    /// <summary>How long the reloads took (the command's start to its return).</summary>
    public List<double> ReloadSeconds() { lock (_reloads) return [.. _reloads.Select(r => (r.To - r.From).TotalSeconds)]; }

    public void Reloaded(TimeSpan from, TimeSpan to) { lock (_reloads) _reloads.Add((from, to)); }

    public void Crashed(TimeSpan at) { lock (_crashes) _crashes.Add(at); }

    /// <summary>
    /// Failed requests of <paramref name="results"/> on reloads, on crashes, and neither; and the seconds of the
    /// failures on reloads ("31 s: 12"), to look at.
    /// </summary>
    public (long OnReloads, long OnCrashes, long Unattributed, List<string> ReloadSeconds) Attribute(IEnumerable<LoadResult> results)
    {
        long reload = 0, crash = 0, other = 0;
        var seconds = new SortedDictionary<int, long>();
        foreach (var second in results.SelectMany(r => r.Timeline).Where(s => s.Failed > 0))
        {
            var (from, to) = (TimeSpan.FromSeconds(second.Second), TimeSpan.FromSeconds(second.Second + 1));
            bool inReload, inCrash;
            lock (_reloads) inReload = _reloads.Any(r => r.From < to && r.To + AfterReload > from);
            lock (_crashes) inCrash = _crashes.Any(c => c < to && c + AfterCrash > from);
            if (inReload)
            {
                reload += second.Failed;
                seconds[second.Second] = seconds.GetValueOrDefault(second.Second) + second.Failed;
            }
            else if (inCrash) crash += second.Failed;
            else other += second.Failed;
        }
        return (reload, crash, other, [.. seconds.Select(s => $"{s.Key} s: {s.Value}")]);
    }
}
