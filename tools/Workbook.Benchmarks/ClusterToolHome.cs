using System.Diagnostics;
using System.Text.RegularExpressions;
using Workbook.Processes;

namespace Workbook.Benchmarks;

/// <summary>
/// <c>dotnet cluster</c> (tools/Workbook.ClusterTool) run against a home of its own (DOTNET_CLUSTER_HOME in a
/// temporary folder), so a user's daemon is untouched; disposing runs <c>kill</c>, then SIGKILLs the daemon and its
/// workers if they are still there, and deletes the folder.
/// </summary>
public sealed partial class ClusterToolHome : IAsyncDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("workbook-cluster-home-");
    private readonly Dictionary<string, string> _env;
    private readonly HashSet<int> _seenWorkers = [];
    private int? _daemonPid;

    public ClusterToolHome() => _env = SpawnOptions.EnvWith([new("DOTNET_CLUSTER_HOME", Home)]);

    /// <summary>The tool's home: created by the tool itself, with its own modes.</summary>
    public string Home => Path.Combine(_folder.FullName, "home");

    /// <summary>The notes' server.js as an unmodified ASP.NET Core app (examples/NotesWeb).</summary>
    public static string NotesWeb => ExamplePaths.Dll("NotesWeb");

    /// <summary><c>dotnet cluster start APP -i N --port P --name NAME -- --work W</c>: back once every worker listens.</summary>
    public Task StartAsync(string name, int instances, int port, long work) =>
        RunAsync("start", NotesWeb, "-i", instances.ToString(), "--port", port.ToString(), "--name", name, "--", "--work", work.ToString());

    /// <summary><c>dotnet cluster reload NAME</c>: back once every worker was replaced, one at a time.</summary>
    public Task ReloadAsync(string name) => RunAsync("reload", name);

    /// <summary>The daemon's PID, from the first line of its log ("daemon N serving …"); null before it started.</summary>
    public int? DaemonPid
    {
        get
        {
            if (_daemonPid is null && File.Exists(Path.Combine(Home, "daemon.log"))
                && DaemonLine().Match(File.ReadAllText(Path.Combine(Home, "daemon.log"))) is { Success: true } m)
                _daemonPid = int.Parse(m.Groups[1].Value);
            return _daemonPid;
        }
    }

    /// <summary>The daemon's workers now (its child processes), with how long each has run; remembered for the clean-up.</summary>
    public List<(int Pid, TimeSpan Age)> Workers()
    {
        if (DaemonPid is not int daemon) return [];
        var workers = new List<(int, TimeSpan)>();
        var ticksPerSecond = 100.0; // USER_HZ, 100 on Linux
        var uptime = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1]) != daemon || fields[0] == "Z") continue; // fields: state, ppid, …, starttime (20th after the name)
                workers.Add((pid, TimeSpan.FromSeconds(uptime - long.Parse(fields[19]) / ticksPerSecond)));
                lock (_seenWorkers) _seenWorkers.Add(pid);
            }
            catch (IOException)
            {
            }
        }
        return workers;
    }

    /// <summary>
    /// The daemon's resident memory now (VmRSS, KiB, and of it RssAnon: heaps, stacks, JIT-compiled code; RssFile: mapped
    /// files such as the runtime's and the framework's assemblies) and its open descriptors, of those how many are pipes and sockets.
    /// </summary>
    public (long RssKb, long AnonKb, long FileKb, int Fds, int Pipes, int Sockets) DaemonFootprint()
    {
        var pid = DaemonPid ?? throw new InvalidOperationException("the daemon has not started");
        var status = File.ReadLines($"/proc/{pid}/status").ToList();
        long Kb(string field) => long.Parse(status.First(l => l.StartsWith(field)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        var targets = Directory.GetFileSystemEntries($"/proc/{pid}/fd").Select(fd => new FileInfo(fd).LinkTarget ?? "").ToList();
        return (Kb("VmRSS:"), Kb("RssAnon:"), Kb("RssFile:"), targets.Count,
            targets.Count(t => t.StartsWith("pipe:")), targets.Count(t => t.StartsWith("socket:")));
    }

    private async Task RunAsync(params string[] args) =>
        await ChildProcess.ExecFileAsync("dotnet", [ExamplePaths.Dll("Workbook.ClusterTool"), .. args],
            new ExecOptions { Env = _env, Timeout = TimeSpan.FromSeconds(120), MaxBuffer = 4 * 1024 * 1024 });

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (File.Exists(Path.Combine(Home, "daemon.sock"))) await RunAsync("kill");
        }
        catch (Exception e) when (e is ExecException or SpawnException)
        {
            Console.WriteLine($"  (dotnet cluster kill failed: {e.Message.Split('\n')[0]}; killing the daemon)");
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DaemonPid is int pid && IsOurs(pid) && DateTime.UtcNow < deadline) await Task.Delay(100);
        // Stragglers only, and only processes that still run what we started (a PID may have been reused).
        int[] left;
        lock (_seenWorkers) left = [.. _seenWorkers];
        foreach (var pid in (DaemonPid is int d ? left.Prepend(d) : left).Where(IsOurs))
            try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        try { _folder.Delete(recursive: true); } catch (IOException) { }
    }

    /// <summary>Whether <paramref name="pid"/> runs the tool or the app (a PID that ended may have been given to another process).</summary>
    private static bool IsOurs(int pid)
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            return cmdline.Contains("Workbook.ClusterTool.dll") || cmdline.Contains("NotesWeb");
        }
        catch (IOException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"daemon (\d+) serving")] private static partial Regex DaemonLine();
}
