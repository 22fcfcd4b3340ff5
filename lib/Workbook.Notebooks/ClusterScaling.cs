using Workbook.LoadTesting;

namespace Workbook.Notebooks;

/// <summary>
/// Whether a cluster should make a server faster on this machine, judged from one process of it (how its CPU work
/// spread over threads, and how many cores there are), and what a cluster of it then did — in sentences computed
/// from the measurements, so they are true whatever the numbers come out.
/// </summary>
public static class ClusterScaling
{
    /// <summary>A process whose busiest thread did at least this part of its CPU work ran its requests on one thread.</summary>
    public const double OneThreadShare = 0.8;

    /// <summary>Cluster ÷ one process within this factor of 1 counts as about the same.</summary>
    public const double SameWithin = 1.15;

    /// <summary>Whether one thread did (nearly) all of the process's CPU work: it can use one core, whatever the machine has.</summary>
    public static bool OnOneThread(ServerRun one) => one.Cpu.BusiestThreadShare >= OneThreadShare;

    /// <summary>The cores one process of the server can use: one for a one-thread server, else all of them.</summary>
    public static int UsableCores(ServerRun one, int cores) => OnOneThread(one) ? 1 : cores;

    /// <summary>Whether a cluster of one worker per core should serve more than one process: the process cannot use every core.</summary>
    public static bool ShouldHelp(ServerRun one, int cores) => UsableCores(one, cores) < cores;

    /// <summary>The prediction, from the thread share and the cores, e.g. "one Node process did 98% of its work on one thread, so …".</summary>
    public static string Predict(string server, ServerRun one, int cores)
    {
        var spread = OnOneThread(one)
            ? $"one {server} process did {one.Cpu.BusiestThreadShare * 100:0}% of its CPU work on one thread, so it can use 1 of the {cores} cores"
            : $"one {server} process spread its CPU work over {one.Cpu.Threads} threads (the busiest did {one.Cpu.BusiestThreadShare * 100:0}%), so it can use all {cores} cores";
        return spread + (ShouldHelp(one, cores)
            ? $": a cluster of {cores} can use {cores} — it should help, up to ×{cores} (less while the load runner shares the cores)."
            : cores == 1 ? ": there is no other core for a cluster to use — it should not help."
            : ": a cluster adds processes, not cores — it should not help.");
    }

    /// <summary>
    /// What the cluster did against the prediction. A cluster can at most multiply by the cores one process cannot
    /// use; a result outside the prediction is explained by what the runs got from the machine: CPU time, and the cost
    /// of a request when that differed too.
    /// </summary>
    public static string Outcome(ServerRun one, ServerRun cluster, int cores)
    {
        var ratio = cluster.Throughput / Math.Max(1e-9, one.Throughput);
        var outcome = AboutSame(ratio) ? "about the same" : ratio > 1 ? "more" : "less";
        var expected = ShouldHelp(one, cores) ? "more" : "about the same";
        var bound = (double)cores / UsableCores(one, cores);
        var text = $"measured: cluster ÷ one process = {ratio:0.00} — ";
        if (outcome == expected && ratio <= bound * SameWithin) return text + outcome + ", as predicted.";
        var against = outcome == expected ? $"more than the cores explain (×{bound:0} at most)" : outcome + ", against the prediction";
        var costs = !AboutSame(one.CpuPerRequest / cluster.CpuPerRequest)
            ? $", and a request cost {one.CpuPerRequest.TotalMilliseconds:0.0} against {cluster.CpuPerRequest.TotalMilliseconds:0.0} ms of CPU"
            : "";
        return text + against + $": from this busy machine the one process got {one.Cpu.Cores:0.00} cores' worth of CPU time, " +
               $"the cluster {cluster.Cpu.Cores:0.00}{costs} — the gap is in what each got, not in the cores each could use.";
    }

    /// <summary>Within a factor of <see cref="SameWithin"/> either way.</summary>
    private static bool AboutSame(double ratio) => ratio < SameWithin && ratio > 1 / SameWithin;

    /// <summary>One row per run: req/s, failed and unfinished requests, CPU per request, cores' worth, and the busiest thread's share for a single process.</summary>
    public static string Table(params ServerRun[] runs)
    {
        var width = Math.Max(12, runs.Max(r => r.Label.Length));
        var lines = new List<string> { $"{"".PadRight(width)}  {"req/s",6}  {"failed",6}  {"unfinished",10}  {"CPU/request",11}  {"cores' worth",12}  busiest thread" };
        foreach (var r in runs)
            lines.Add($"{r.Label.PadRight(width)}  {r.Throughput,6:N0}  {r.Result.Failed,6:N0}  {r.Result.Unfinished,10:N0}  " +
                      $"{r.CpuPerRequest.TotalMilliseconds,8:0.0} ms  {r.Cpu.Cores,12:0.00}  " +
                      (r.Processes == 1 ? $"{$"{r.Cpu.BusiestThreadShare * 100:0}%",14}" : $"{"(" + r.Processes + " processes)",14}"));
        return string.Join("\n", lines);
    }
}
