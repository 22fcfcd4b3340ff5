using System.Text.Json.Nodes;
using Workbook.Cluster;

namespace Workbook.ClusterTool;

/// <summary>Everything the daemon needs to start one app: from start's options or from an ecosystem file.</summary>
internal sealed record AppSpec(string Name, string App, int Instances, int Port)
{
    public IReadOnlyList<string> Args { get; init; } = [];
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
    public bool PidHeader { get; init; }
    public bool WaitReady { get; init; }
    public TimeSpan ListenTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan KillTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public RestartPolicy Restart { get; init; } = new();

    /// <summary>The size at which the app's log is rotated (pm2-logrotate's max_size); three older ones are kept.</summary>
    public long LogMaxBytes { get; init; } = 10L << 20;

    /// <summary>PM2's --watch: a rebuilt .dll reloads the app.</summary>
    public bool Watch { get; init; }

    /// <summary>PM2's max_memory_restart: a worker whose resident memory passes this many bytes is replaced (a rolling step).</summary>
    public long? MaxMemory { get; init; }

    /// <summary>Why <paramref name="name"/> cannot name an app (it names its log file and "all" means every app), or null.</summary>
    public static string? NameProblem(string name) =>
        name.Length == 0 || name == "all" || name.IndexOfAny(['/', '\\', ' ']) >= 0 || name.StartsWith('.')
            ? $"cannot be empty, 'all', start with a dot or hold a slash or a space, not '{name}'" : null;

    /// <summary>PM2's way of writing a memory size: a number of bytes, or with K, M or G ("200M"); null when it is neither.</summary>
    public static long? ParseMemory(string text)
    {
        var t = text.Trim().ToUpperInvariant();
        long unit = t.EndsWith('K') ? 1L << 10 : t.EndsWith('M') ? 1L << 20 : t.EndsWith('G') ? 1L << 30 : 1;
        if (unit > 1) t = t[..^1];
        return long.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n * unit : null;
    }

    public JsonObject ToJson() => new()
    {
        ["name"] = Name, ["dll"] = App, ["instances"] = Instances, ["port"] = Port,
        ["args"] = new JsonArray([.. Args.Select(a => (JsonNode)a)]),
        ["env"] = new JsonObject(Env.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)e.Value))),
        ["pid_header"] = PidHeader, ["wait_ready"] = WaitReady,
        ["listen_timeout_ms"] = ListenTimeout.TotalMilliseconds, ["kill_timeout_ms"] = KillTimeout.TotalMilliseconds,
        ["autorestart"] = Restart.Enabled, ["min_uptime_ms"] = Restart.MinUptime.TotalMilliseconds,
        ["max_restarts"] = Restart.MaxUnstableRestarts, ["restart_delay_ms"] = Restart.InitialDelay.TotalMilliseconds,
        ["max_memory_bytes"] = MaxMemory, ["watch"] = Watch, ["log_max_bytes"] = LogMaxBytes,
    };

    /// <summary>The spec a start request carries; throws on a missing or mistyped field (the daemon answers with an error).</summary>
    public static AppSpec FromJson(JsonObject o)
    {
        var spec = new AppSpec(o["name"]!.GetValue<string>(), o["dll"]!.GetValue<string>(), o["instances"]!.GetValue<int>(), o["port"]!.GetValue<int>());
        TimeSpan Ms(string key, TimeSpan fallback) => o[key] is { } v ? TimeSpan.FromMilliseconds(v.GetValue<double>()) : fallback;
        var restart = new RestartPolicy();
        return spec with
        {
            Args = [.. (o["args"] as JsonArray ?? []).Select(a => a!.GetValue<string>())],
            Env = (o["env"] as JsonObject ?? []).ToDictionary(e => e.Key, e => e.Value!.GetValue<string>()),
            PidHeader = o["pid_header"]?.GetValue<bool>() ?? false,
            WaitReady = o["wait_ready"]?.GetValue<bool>() ?? false,
            ListenTimeout = Ms("listen_timeout_ms", spec.ListenTimeout),
            KillTimeout = Ms("kill_timeout_ms", spec.KillTimeout),
            MaxMemory = o["max_memory_bytes"]?.GetValue<long>(),
            Watch = o["watch"]?.GetValue<bool>() ?? false,
            LogMaxBytes = o["log_max_bytes"]?.GetValue<long>() ?? spec.LogMaxBytes,
            Restart = restart with
            {
                Enabled = o["autorestart"]?.GetValue<bool>() ?? true,
                MinUptime = Ms("min_uptime_ms", restart.MinUptime),
                MaxUnstableRestarts = o["max_restarts"]?.GetValue<int>() ?? restart.MaxUnstableRestarts,
                InitialDelay = Ms("restart_delay_ms", restart.InitialDelay),
            },
        };
    }
}
