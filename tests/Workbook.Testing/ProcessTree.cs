namespace Workbook.Testing;

/// <summary>A process seen in /proc.</summary>
public sealed record ProcessInfo(int Pid, int ParentPid, char State, string CommandLine)
{
    public override string ToString() => $"{Pid} ({State}) {CommandLine}";
}

/// <summary>The processes below this one, read from /proc (Linux).</summary>
public static class ProcessTree
{
    /// <summary>Every live descendant of <paramref name="root"/> (zombies excluded: they no longer run).</summary>
    public static IReadOnlyList<ProcessInfo> LiveDescendants(int root)
    {
        var all = Snapshot();
        var byParent = all.ToLookup(p => p.ParentPid);
        var found = new List<ProcessInfo>();
        var queue = new Queue<int>([root]);
        while (queue.Count > 0)
        {
            foreach (var child in byParent[queue.Dequeue()])
            {
                if (child.State != 'Z') found.Add(child);
                queue.Enqueue(child.Pid);
            }
        }
        return found;
    }

    /// <summary>Waits until the process is gone; false if it is still running after <paramref name="within"/>.</summary>
    public static async Task<bool> GoneWithin(int pid, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (Find(pid) is not null)
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(20);
        }
        return true;
    }

    /// <summary>Ended children of <paramref name="parent"/> not yet collected (zombies, e.g. adopted orphans).</summary>
    public static IReadOnlyList<int> Zombies(int parent) =>
        Snapshot().Where(p => p.ParentPid == parent && p.State == 'Z').Select(p => p.Pid).ToList();

    /// <summary>The process with this pid, or null once it is gone (or only a zombie).</summary>
    public static ProcessInfo? Find(int pid)
    {
        var p = Read(pid);
        return p is { State: not 'Z' } ? p : null;
    }

    private static int Threads(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("Threads:"));
        return line is null ? 0 : int.Parse(line["Threads:".Length..].Trim());
    }

    private static List<ProcessInfo> Snapshot()
    {
        var list = new List<ProcessInfo>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Read(pid) is { } info) list.Add(info);
        }
        return list;
    }

    private static ProcessInfo? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so split after the last ')'.
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
            var state = rest[0][0];
            // A process whose main thread has exited shows 'Z' while its other threads still run (a .NET
            // process shutting down from another thread does): it is only gone when no thread is left.
            if (state == 'Z' && Threads(pid) > 1) state = 'X';
            return new ProcessInfo(pid, int.Parse(rest[1]), state, cmdline);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // it ended while we looked
        }
    }
}
