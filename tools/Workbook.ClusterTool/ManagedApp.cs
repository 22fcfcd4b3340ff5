using System.Diagnostics;
using System.Text.Json.Nodes;
using Workbook.Cluster;
using Workbook.Cluster.Hosting;

namespace Workbook.ClusterTool;

/// <summary>One app in the daemon: its primary, its log, and what <c>list</c> shows of it.</summary>
internal sealed class ManagedApp : IAsyncDisposable
{
    private readonly TextWriter _log;
    private readonly Dictionary<int, int> _restartsByPlace = [];
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private IDisposable? _memoryLimit;
    private IDisposable? _watch;

    private ManagedApp(string name, string dll, ClusterPrimary primary, TextWriter log)
    {
        Name = name;
        Dll = dll;
        Primary = primary;
        _log = log;
        Watch(primary);
    }

    public string Name { get; }
    public string Dll { get; }
    public ClusterPrimary Primary { get; private set; }
    public string Status { get; private set; } = "online";

    /// <summary>The primary's settings for <paramref name="spec"/>: the app's folder as its content root, the worker side injected.</summary>
    public static ClusterSettings Settings(AppSpec spec, TextWriter? output = null) => new()
    {
        Exec = spec.App,
        Args = spec.Args,
        Cwd = Path.GetDirectoryName(spec.App), // the app's content root: its appsettings.json and wwwroot
        Env = ClusterHosting.WorkerEnvironment(spec.Env, spec.PidHeader),
        Workers = spec.Instances,
        Port = spec.Port,
        WaitReady = spec.WaitReady,
        ListenTimeout = spec.ListenTimeout,
        DisconnectTimeout = spec.KillTimeout,
        Restart = spec.Restart,
        WorkerOutput = output,
    };

    /// <summary>Starts the app's workers; back when every one listens, or throws <see cref="ClusterException"/> (nothing left running).</summary>
    public static async Task<ManagedApp> StartAsync(Home home, AppSpec spec)
    {
        var log = new RotatingLog(home.AppLog(spec.Name), spec.LogMaxBytes);
        var primary = new ClusterPrimary(Settings(spec, log));
        var app = new ManagedApp(spec.Name, spec.App, primary, log);
        try
        {
            await primary.StartAsync();
            if (spec.MaxMemory is long max)
                app._memoryLimit = MemoryLimit.Watch(() => app.Primary, max, line => log.WriteLine(line), worker => app.CountRestart(worker.Place));
            if (spec.Watch) app._watch = ClusterTool.Watch.Start(spec.App, () => app.Primary, line => log.WriteLine(line));
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>PM2's restart: every worker ends at once and new ones start on the same port (clients are refused meanwhile).</summary>
    public async Task RestartAsync()
    {
        var settings = Primary.Settings with { Port = Primary.Port, Workers = Math.Max(1, Primary.Workers.Values.Count(w => !w.IsDead)) };
        await Primary.DisposeAsync();
        var next = new ClusterPrimary(settings);
        Watch(next);
        Primary = next;
        try
        {
            await next.StartAsync();
        }
        catch (ClusterException)
        {
            Status = "errored";
            await next.DisposeAsync();
            throw;
        }
        lock (_restartsByPlace)
            foreach (var place in Enumerable.Range(1, settings.Workers)) _restartsByPlace[place] = _restartsByPlace.GetValueOrDefault(place) + 1;
    }

    /// <summary>Forks workers until <paramref name="count"/> run, or drains the newest until only that many do; back when they listen or exited.</summary>
    public async Task ScaleAsync(int count)
    {
        var live = Primary.Workers.Values.Where(w => !w.IsDead).OrderBy(w => w.Place).ToList();
        var changed = new List<Worker>();
        for (int i = live.Count; i < count; i++) changed.Add(Primary.Fork());
        foreach (var worker in live.Skip(count))
        {
            worker.Disconnect();
            changed.Add(worker);
        }
        var deadline = DateTime.UtcNow + Primary.Settings.ListenTimeout + Primary.Settings.DisconnectTimeout;
        bool Settled(Worker w) => live.Contains(w) ? w.IsDead : w.IsListening || w.IsDead;
        while (!changed.All(Settled) && DateTime.UtcNow < deadline) await Task.Delay(50);
        if (changed.FirstOrDefault(w => !live.Contains(w) && !w.IsListening) is { } failed)
            throw new ClusterException($"{failed} did not start listening (see dotnet cluster logs {Name})");
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
            var (cpuSeconds, rssMiB) = worker.Pid is int pid ? MemoryLimit.ProcStat(pid) : (0, 0);
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
            ["cwd"] = Primary.Settings.Cwd,
            ["args"] = new JsonArray([.. Primary.Settings.Args.Select(a => (JsonNode)a)]),
            ["policy"] = Primary.Settings.SchedulingPolicy.ToString(),
            ["primary_pid"] = Environment.ProcessId,
            ["workers"] = workers,
        };
    }

    public async ValueTask DisposeAsync()
    {
        Status = "stopped";
        _memoryLimit?.Dispose();
        _watch?.Dispose();
        await Primary.DisposeAsync();
        await _log.DisposeAsync();
    }

    private void Watch(ClusterPrimary primary) => primary.Restarting += (worker, _) => CountRestart(worker.Place);

    private void CountRestart(int place)
    {
        lock (_restartsByPlace) _restartsByPlace[place] = _restartsByPlace.GetValueOrDefault(place) + 1;
    }

    private int RestartsOf(int place)
    {
        lock (_restartsByPlace) return _restartsByPlace.GetValueOrDefault(place);
    }
}
