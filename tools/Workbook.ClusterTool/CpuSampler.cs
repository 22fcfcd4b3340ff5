using System.Diagnostics;

namespace Workbook.ClusterTool;

/// <summary>
/// Each worker's CPU % over the last refresh (list's is since the worker started): the change in its CPU time (user +
/// system, from /proc/PID/stat, as <see cref="MemoryLimit.ProcStat"/> reads it) between two samples, over the time
/// between them, as a share of one core. A worker sampled for the first time has none yet.
/// </summary>
internal sealed class CpuSampler
{
    private Dictionary<int, (double CpuSeconds, long At)> _last = [];

    /// <summary>Samples <paramref name="pids"/> now; the CPU % of each since its previous sample, null for one seen first.</summary>
    public Dictionary<int, double?> Sample(IEnumerable<int> pids)
    {
        var now = new Dictionary<int, (double CpuSeconds, long At)>();
        var percent = new Dictionary<int, double?>();
        foreach (var pid in pids.Distinct())
        {
            var sample = (MemoryLimit.ProcStat(pid).CpuSeconds, Stopwatch.GetTimestamp());
            now[pid] = sample;
            var elapsed = _last.TryGetValue(pid, out var last) ? Stopwatch.GetElapsedTime(last.At, sample.Item2).TotalSeconds : 0;
            percent[pid] = elapsed > 0 ? Math.Max(0, 100 * (sample.CpuSeconds - last.CpuSeconds) / elapsed) : null;
        }
        _last = now; // a pid no longer listed is forgotten
        return percent;
    }
}
