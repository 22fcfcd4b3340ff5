namespace Workbook.Notebooks;

/// <summary>CPU used during a stretch of <paramref name="Wall"/> time (<see cref="ProcessCpu.Since"/>).</summary>
/// <param name="Cpu">CPU time of the processes, all threads (user + system).</param>
/// <param name="Wall">The stretch of time it was measured over.</param>
/// <param name="Threads">How many threads used any CPU.</param>
/// <param name="BusiestThreadShare">The busiest thread's part of <paramref name="Cpu"/>: near 1 when one thread did the work.</param>
public sealed record CpuUse(TimeSpan Cpu, TimeSpan Wall, int Threads, double BusiestThreadShare)
{
    /// <summary>How many cores' worth: CPU time ÷ wall time (2.0 = two cores busy the whole time).</summary>
    public double Cores => Wall > TimeSpan.Zero ? Cpu / Wall : 0;

    /// <summary>CPU time per request, for <paramref name="requests"/> requests answered in the stretch.</summary>
    public TimeSpan PerRequest(long requests) => requests > 0 ? Cpu / requests : TimeSpan.Zero;
}
