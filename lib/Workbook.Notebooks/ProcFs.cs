using System.Runtime.InteropServices;

namespace Workbook.Notebooks;

// Hand-written: .NET's Process class reads neither a thread's name and state nor schedstat, and no package here does.
/// <summary>
/// Reading Linux's <c>/proc</c>: a process's or thread's <c>stat</c> line, its threads' directories, the clock tick.
/// One place for the parsing <see cref="ProcessInfo"/>, <see cref="ProcessCpu"/> and <see cref="ThreadTrace"/> share.
/// </summary>
internal static class ProcFs
{
    /// <summary>Clock ticks per second, the unit of utime and stime (sysconf(_SC_CLK_TCK); 100 when it cannot be asked).</summary>
    public static readonly double TicksPerSecond = ClockTicks();

    /// <summary>
    /// A stat line split into its command and the fields after it: <c>pid (comm) state ppid pgrp session …</c>. The
    /// command may hold spaces and parentheses, so it ends at the last ')'; field 0 is the state, 11 and 12 utime and stime.
    /// </summary>
    public static (string Command, string[] Fields) ParseStat(string stat)
    {
        var close = stat.LastIndexOf(')');
        return (stat[(stat.IndexOf('(') + 1)..close], stat[(close + 2)..].Split(' '));
    }

    /// <summary>utime + stime of parsed stat fields, in ticks.</summary>
    public static long Ticks(string[] fields) => long.Parse(fields[11]) + long.Parse(fields[12]);

    /// <summary>The stat line of a process or thread, or null when it is gone (or unreadable).</summary>
    public static string? ReadStat(string statFile)
    {
        try
        {
            return File.ReadAllText(statFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The <c>/proc/PID/task/TID</c> directories of the process's threads, or null when the process is gone.</summary>
    public static string[]? Threads(int pid)
    {
        try
        {
            return Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A thread name as Linux keeps it: at most 15 characters.</summary>
    public static string ThreadName(string name) => name.Length > 15 ? name[..15] : name;

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
