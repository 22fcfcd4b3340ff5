using System.Runtime.InteropServices;

namespace Workbook.Notebooks;

/// <summary>
/// The CPU time a process has used so far (user + system), read from <c>/proc/PID/stat</c>. A difference of two
/// readings is what some work cost in CPU, whatever else the machine was doing: waiting for a core does not count.
/// </summary>
public static class ProcessCpu
{
    internal static readonly double TicksPerSecond = ClockTicks();

    /// <summary>CPU time used by process <paramref name="pid"/> since it started (10 ms resolution on most systems).</summary>
    /// <exception cref="InvalidOperationException">There is no such process (or no /proc: Linux only).</exception>
    public static TimeSpan Of(int pid) =>
        ProcessInfo.Of(pid)?.CpuTime ?? throw new InvalidOperationException($"There is no process {pid} (or no /proc to read: Linux only).");

    /// <summary>
    /// CPU time used so far by the threads of process <paramref name="pid"/> named <paramref name="threadName"/> (as
    /// Linux shows it: at most 15 characters), e.g. the one thread that runs a server's handlers.
    /// </summary>
    /// <exception cref="InvalidOperationException">No such process, or no thread of that name in it.</exception>
    public static TimeSpan OfThread(int pid, string threadName)
    {
        var name = threadName.Length > 15 ? threadName[..15] : threadName;
        long ticks = 0;
        var found = false;
        foreach (var stat in ThreadStats(pid))
        {
            var open = stat.IndexOf('(');
            var close = stat.LastIndexOf(')');
            if (stat[(open + 1)..close] != name) continue;
            var f = stat[(close + 2)..].Split(' ');
            ticks += long.Parse(f[11]) + long.Parse(f[12]);
            found = true;
        }
        return found ? TimeSpan.FromSeconds(ticks / TicksPerSecond)
            : throw new InvalidOperationException($"Process {pid} has no thread named '{name}'.");
    }

    /// <summary>
    /// Waits until process <paramref name="pid"/> is idle: during a quarter of a second it used less than a tenth of
    /// one core and none of its threads was ever seen running or waiting for a core (so a process starved of CPU on a
    /// busy machine does not pass for idle). Returns how long it was still busy. A server that was sent more than it
    /// could answer goes on computing requests it had started after their clients gave up; this waits that out, so
    /// the next measurement starts clean.
    /// </summary>
    /// <exception cref="TimeoutException">Still busy after <paramref name="timeout"/> (default 30 s).</exception>
    public static async Task<TimeSpan> WaitUntilIdleAsync(int pid, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var busyFor = TimeSpan.Zero; ; busyFor = clock.Elapsed)
        {
            var before = Of(pid);
            var runnable = false;
            for (int sample = 0; sample < 5; sample++)
            {
                await Task.Delay(50).ConfigureAwait(false);
                runnable |= AnyThreadRunnable(pid);
            }
            var used = Of(pid) - before;
            if (!runnable && used < (clock.Elapsed - busyFor) / 10) return busyFor;
            if (clock.Elapsed > limit)
                throw new TimeoutException($"Process {pid} was still busy after {limit.TotalSeconds:0} s ({used.TotalMilliseconds:0} ms of CPU in its last quarter second).");
        }
    }

    /// <summary>The CPU time each of <paramref name="pids"/> (and each of its threads) has used so far: a start for <see cref="Since"/>.</summary>
    public static CpuSample Sample(IEnumerable<int> pids)
    {
        var processes = new Dictionary<int, long>();
        var threads = new Dictionary<(int, int), long>();
        foreach (var pid in pids.Distinct())
        {
            if (Ticks($"/proc/{pid}/stat") is not long total) continue;
            processes[pid] = total;
            string[] tasks;
            try { tasks = Directory.GetDirectories($"/proc/{pid}/task"); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            foreach (var task in tasks)
                if (int.TryParse(Path.GetFileName(task), out var tid) && Ticks(Path.Combine(task, "stat")) is long ticks) threads[(pid, tid)] = ticks;
        }
        return new CpuSample(processes, threads, System.Diagnostics.Stopwatch.GetTimestamp());
    }

    /// <summary>
    /// What the processes sampled in <paramref name="before"/> used between it and now: in all, and how it spread over
    /// their threads. A thread that ended meanwhile counts in the total but has no line of its own any more (so a server
    /// is measured while its threads still run).
    /// </summary>
    public static CpuUse Since(CpuSample before)
    {
        var now = Sample(before.Processes.Keys);
        long total = now.Processes.Sum(p => Math.Max(0, p.Value - before.Processes.GetValueOrDefault(p.Key)));
        var perThread = now.Threads.Select(t => Math.Max(0, t.Value - before.Threads.GetValueOrDefault(t.Key))).Where(d => d > 0).ToList();
        return new CpuUse(TimeSpan.FromSeconds(total / TicksPerSecond), System.Diagnostics.Stopwatch.GetElapsedTime(before.At, now.At),
            perThread.Count, total > 0 && perThread.Count > 0 ? Math.Min(1, perThread.Max() / (double)total) : 0);
    }

    /// <summary>utime + stime of a /proc stat file, in ticks; null when the process or thread is gone.</summary>
    private static long? Ticks(string statFile)
    {
        try
        {
            var stat = File.ReadAllText(statFile);
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // the name in parentheses may hold spaces
            return long.Parse(fields[11]) + long.Parse(fields[12]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Whether any thread of the process is running or ready to run (state R in /proc/PID/task/TID/stat).</summary>
    private static bool AnyThreadRunnable(int pid) => ThreadStats(pid).Any(stat => stat[stat.LastIndexOf(')') + 2] == 'R');

    /// <summary>The /proc/PID/task/TID/stat line of every thread of the process.</summary>
    private static List<string> ThreadStats(int pid)
    {
        string[] threads;
        try
        {
            threads = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"There is no process {pid} (or no /proc to read: Linux only).", e);
        }
        var stats = new List<string>();
        foreach (var thread in threads)
        {
            try
            {
                stats.Add(File.ReadAllText(Path.Combine(thread, "stat")));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // the thread ended between the listing and the read
            }
        }
        return stats;
    }

    private static double ClockTicks()
    {
        const int ScClkTck = 2; // _SC_CLK_TCK on Linux
        try
        {
            var ticks = sysconf(ScClkTck);
            return ticks > 0 ? ticks : 100;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 100;
        }
    }

    [DllImport("libc")]
    private static extern long sysconf(int name);
}
