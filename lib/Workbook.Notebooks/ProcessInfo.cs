namespace Workbook.Notebooks;

/// <summary>
/// What Linux says about a process, read from <c>/proc/PID/stat</c>: its command, state, parent, process group and
/// session, and the CPU time it has used. A chapter uses it to show where a process stands, e.g. a detached child
/// after its parent exited (a new parent; a group and session of its own).
/// </summary>
public sealed record ProcessInfo(int Pid, string Command, char State, int ParentPid, int ProcessGroup, int Session, TimeSpan CpuTime)
{
    /// <summary>The process, or null when there is none with that id (it exited and was reaped).</summary>
    public static ProcessInfo? Of(int pid)
    {
        if (ProcFs.ReadStat($"/proc/{pid}/stat") is not { } stat) return null;
        // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime ...
        var (command, f) = ProcFs.ParseStat(stat);
        return new ProcessInfo(pid, command, f[0][0], int.Parse(f[1]), int.Parse(f[2]), int.Parse(f[3]),
            TimeSpan.FromSeconds(ProcFs.Ticks(f) / ProcFs.TicksPerSecond));
    }

    /// <summary>
    /// Waits until process <paramref name="pid"/> has ended: gone from /proc, or a zombie (ended, its exit status not yet
    /// collected by its parent). For a process that is not our child — one we cannot await — such as a detached
    /// process whose parent exited. True when it ended within <paramref name="timeout"/> (default 10 s).
    /// </summary>
    public static async Task<bool> WaitUntilGoneAsync(int pid, TimeSpan? timeout = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Of(pid) is { IsZombie: false })
        {
            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(10))) return false;
            await Task.Delay(50).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>Sends SIGKILL to process <paramref name="pid"/> if it is still there (one left behind by a program we started).</summary>
    internal static void KillQuietly(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // gone meanwhile
        }
    }

    /// <summary>Whether it leads its own session and process group, as a child started with <c>Detached</c> does (setsid).</summary>
    public bool LeadsOwnSession => Session == Pid && ProcessGroup == Pid;

    /// <summary>Z: exited, but its parent has not collected its exit status yet.</summary>
    public bool IsZombie => State == 'Z';

    /// <inheritdoc />
    public override string ToString()
    {
        var parent = Of(ParentPid);
        return $"process {Pid} ({Command}), state {State}: parent {ParentPid} ({parent?.Command ?? "gone"}), " +
               $"process group {ProcessGroup}, session {Session}" + (LeadsOwnSession ? " (its own)" : "");
    }
}
