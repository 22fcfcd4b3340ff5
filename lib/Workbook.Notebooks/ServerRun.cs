using Workbook.LoadTesting;

namespace Workbook.Notebooks;

/// <summary>A server measured the notes' way (<see cref="NotesLoad.MeasureAsync"/>).</summary>
/// <param name="Label">What was measured, e.g. "one Kestrel process".</param>
/// <param name="Result">The measured run.</param>
/// <param name="WarmUpAnswers">Requests answered during the warm-up, not counted.</param>
/// <param name="Cpu">The server's processes' CPU use during the run.</param>
/// <param name="Processes">How many processes served.</param>
public sealed record ServerRun(string Label, LoadResult Result, long WarmUpAnswers, CpuUse Cpu, int Processes)
{
    /// <summary>Answered requests per second of the run.</summary>
    public double Throughput => Result.Throughput;

    /// <summary>The server's CPU time per answered request.</summary>
    public TimeSpan CpuPerRequest => Cpu.PerRequest(Result.Ok);

    /// <summary>One line: throughput, latency, failures, CPU per request, cores' worth and how the CPU spread over threads.</summary>
    public override string ToString() =>
        $"{Label}: {Result.Throughput:N0} req/s, p99 {LoadResult.FormatLatency(Result.Latency.P99)}, {Result.Failed:N0} failed" +
        (Result.Unfinished > 0 ? $", {Result.Unfinished:N0} unfinished" : "") + "; " +
        $"CPU {CpuPerRequest.TotalMilliseconds:0.0} ms per request, {Cpu.Cores:0.00} cores' worth" +
        (Processes == 1 ? $", its busiest thread {Cpu.BusiestThreadShare * 100:0}% of it" : $" over {Processes} processes") +
        $" (warm-up before: {WarmUpAnswers:N0} answered, not counted)";
}
