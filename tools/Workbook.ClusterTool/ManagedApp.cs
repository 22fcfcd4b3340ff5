using System.Diagnostics;
using System.Text.Json.Nodes;
using Workbook.Cluster;
using Workbook.Cluster.Hosting;

namespace Workbook.ClusterTool;

/// <summary>One app in the daemon: its primary, its log, and what <c>list</c> shows of it.</summary>
internal sealed class ManagedApp : IAsyncDisposable
{
    private readonly StreamWriter _log;
    private readonly Dictionary<int, int> _restartsByPlace = [];
    private readonly long _startedAt = Stopwatch.GetTimestamp();

    private ManagedApp(string name, string dll, ClusterPrimary primary, StreamWriter log)
    {
        Name = name;
        Dll = dll;
        Primary = primary;
        _log = log;
        primary.Restarting += (worker, _) =>
        {
            lock (_restartsByPlace) _restartsByPlace[worker.Place] = _restartsByPlace.GetValueOrDefault(worker.Place) + 1;
        };
    }

    public string Name { get; }
    public string Dll { get; }
    public ClusterPrimary Primary { get; }
    public string Status { get; private set; } = "online";

    /// <summary>Starts the app's workers; back when every one listens, or throws <see cref="ClusterException"/> (nothing left running).</summary>
    public static async Task<ManagedApp> StartAsync(Home home, string name, string dll, int workers, int port, IReadOnlyList<string> args, bool pidHeader)
    {
        var log = new StreamWriter(Home.Append(home.AppLog(name))) { AutoFlush = true };
        var writer = TextWriter.Synchronized(log);
        var primary = new ClusterPrimary(new ClusterSettings
        {
            Exec = dll,
            Args = args,
            Cwd = Path.GetDirectoryName(dll),
            Env = ClusterHosting.WorkerEnvironment(pidHeader: pidHeader),
            Workers = workers,
            Port = port,
            WorkerOutput = writer,
        });
        var app = new ManagedApp(name, dll, primary, log);
        try
        {
            await primary.StartAsync();
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public async Task<int> ReloadAsync()
    {
        var result = await Primary.RollingRestartAsync();
        return result.Replaced.Count;
    }

    public JsonObject Describe()
    {
        var workers = new JsonArray();
        foreach (var worker in Primary.Workers.Values.OrderBy(w => w.Place))
        {
            var (cpuSeconds, rssMiB) = worker.Pid is int pid ? ProcStat(pid) : (0, 0);
            workers.Add(new JsonObject
            {
                ["id"] = worker.Id,
                ["place"] = worker.Place,
                ["pid"] = worker.Pid,
                ["status"] = worker.IsDead ? "exited" : worker.IsListening ? (worker.IsConnected ? "online" : "draining") : "starting",
                ["uptime_s"] = Math.Round(worker.Uptime.TotalSeconds, 1),
                ["restarts"] = RestartsOf(worker.Place),
                ["cpu_percent"] = worker.Uptime.TotalSeconds > 0 ? Math.Round(100 * cpuSeconds / worker.Uptime.TotalSeconds, 1) : 0,
                ["memory_mib"] = Math.Round(rssMiB, 1),
            });
        }
        return new JsonObject
        {
            ["name"] = Name,
            ["dll"] = Dll,
            ["url"] = Primary.Url.ToString(),
            ["status"] = Status,
            ["uptime_s"] = Math.Round(Stopwatch.GetElapsedTime(_startedAt).TotalSeconds, 1),
            ["workers"] = workers,
        };
    }

    public async ValueTask DisposeAsync()
    {
        Status = "stopped";
        await Primary.DisposeAsync();
        await _log.DisposeAsync();
    }

    private int RestartsOf(int place)
    {
        lock (_restartsByPlace) return _restartsByPlace.GetValueOrDefault(place);
    }

    /// <summary>CPU time (user + system, seconds) and resident memory (MiB) of a process, from /proc.</summary>
    private static (double CpuSeconds, double RssMiB) ProcStat(int pid)
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
