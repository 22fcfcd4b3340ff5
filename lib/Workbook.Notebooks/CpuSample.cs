namespace Workbook.Notebooks;

/// <summary>The CPU time of some processes and of each of their threads at one moment (<see cref="ProcessCpu.Sample"/>).</summary>
public sealed class CpuSample
{
    internal CpuSample(IReadOnlyDictionary<int, long> processes, IReadOnlyDictionary<(int Pid, int Tid), long> threads, long at) =>
        (Processes, Threads, At) = (processes, threads, at);

    /// <summary>Ticks per process.</summary>
    internal IReadOnlyDictionary<int, long> Processes { get; }

    /// <summary>Ticks per thread of those processes.</summary>
    internal IReadOnlyDictionary<(int Pid, int Tid), long> Threads { get; }

    /// <summary>When it was taken (a Stopwatch timestamp).</summary>
    internal long At { get; }
}
