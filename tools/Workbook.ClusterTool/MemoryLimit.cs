using Workbook.Cluster;

namespace Workbook.ClusterTool;

/// <summary>
/// PM2's max_memory_restart: once a second, each listening worker's resident memory is read from /proc, and one
/// that passed the limit is replaced by a rolling step (<see cref="ClusterPrimary.ReplaceAsync"/>: its replacement
/// listens first, then it drains), so the replacement loses no request.
/// </summary>
internal static class MemoryLimit
{
    public static IDisposable Watch(Func<ClusterPrimary> primary, long maxBytes, Action<string> say, Action<Worker> replaced)
    {
        var busy = 0;
        return new Timer(async _ =>
        {
            if (Interlocked.Exchange(ref busy, 1) == 1) return; // a replacement is still under way
            try
            {
                var cluster = primary();
                var over = cluster.Workers.Values.FirstOrDefault(w => w is { IsListening: true, IsConnected: true, Pid: int pid } && ProcStat(pid).RssMiB * 1048576 > maxBytes);
                if (over is null) return;
                say($"[dotnet-cluster] worker {over.Id} (pid {over.Pid}) uses {ProcStat(over.Pid!.Value).RssMiB:0} MiB, over max_memory_restart " +
                    $"({maxBytes / 1048576.0:0} MiB): replacing it");
                if (await cluster.ReplaceAsync(over) is { } step)
                {
                    replaced(over);
                    say($"[dotnet-cluster] worker {over.Id} replaced by worker {step.New.Id} (pid {step.New.Pid})");
                }
            }
            catch (Exception e) // a timer's callback: whatever went wrong is said, and the daemon's other apps go on
            {
                say($"[dotnet-cluster] max_memory_restart: {e.Message}");
            }
            finally
            {
                Volatile.Write(ref busy, 0);
            }
        }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>CPU time (user + system, seconds) and resident memory (MiB) of a process, from /proc.</summary>
    public static (double CpuSeconds, double RssMiB) ProcStat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11]) + long.Parse(fields[12]); // utime, stime (fields 14 and 15 of the line)
            var rssPages = long.Parse(File.ReadAllText($"/proc/{pid}/statm").Split(' ')[1]);
            return (ticks / 100.0, rssPages * Environment.SystemPageSize / 1048576.0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return (0, 0); // it just exited
        }
    }
}
