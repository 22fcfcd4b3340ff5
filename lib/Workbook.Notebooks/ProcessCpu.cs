namespace Workbook.Notebooks;

/// <summary>
/// The CPU time a process has used so far (user + system), read from <c>/proc/PID/stat</c>. A difference of two
/// readings is what some work cost in CPU, whatever else the machine was doing: waiting for a core does not count.
/// </summary>
public static class ProcessCpu
{
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
        var name = ProcFs.ThreadName(threadName);
        long ticks = 0;
        var found = false;
        foreach (var (command, fields) in ThreadStats(pid).Select(ProcFs.ParseStat))
        {
            if (command != name) continue;
            ticks += ProcFs.Ticks(fields);
            found = true;
        }
        return found ? TimeSpan.FromSeconds(ticks / ProcFs.TicksPerSecond)
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
            foreach (var task in ProcFs.Threads(pid) ?? [])
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
        return new CpuUse(TimeSpan.FromSeconds(total / ProcFs.TicksPerSecond), System.Diagnostics.Stopwatch.GetElapsedTime(before.At, now.At),
            perThread.Count, total > 0 && perThread.Count > 0 ? Math.Min(1, perThread.Max() / (double)total) : 0);
    }

    /// <summary>utime + stime of a /proc stat file, in ticks; null when the process or thread is gone.</summary>
    private static long? Ticks(string statFile)
    {
        if (ProcFs.ReadStat(statFile) is not { } stat) return null;
        try
        {
            return ProcFs.Ticks(ProcFs.ParseStat(stat).Fields);
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null; // read while the thread was ending
        }
    }

    /// <summary>Whether any thread of the process is running or ready to run (state R in /proc/PID/task/TID/stat).</summary>
    private static bool AnyThreadRunnable(int pid) => ThreadStats(pid).Any(stat => ProcFs.ParseStat(stat).Fields[0] == "R");

    /// <summary>The /proc/PID/task/TID/stat line of every thread of the process.</summary>
    private static List<string> ThreadStats(int pid) =>
        (ProcFs.Threads(pid) ?? throw new InvalidOperationException($"There is no process {pid} (or no /proc to read: Linux only)."))
        .Select(thread => ProcFs.ReadStat(Path.Combine(thread, "stat"))) // null: the thread ended between the listing and the read
        .OfType<string>().ToList();
}
