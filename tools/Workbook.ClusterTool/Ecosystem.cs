using System.Text.Json.Nodes;

namespace Workbook.ClusterTool;

/// <summary>
/// An ecosystem file (PM2's ecosystem.config.js, as JSON: cluster.json): {"apps": [{"name", "app", "instances",
/// "port", "args", "env", "pid_header", "wait_ready", "listen_timeout", "kill_timeout", "autorestart",
/// "min_uptime", "max_restarts", "exp_backoff_restart_delay", "max_memory_restart", "watch", "log_max_size"}]}, times in milliseconds as PM2's. Every mistake is reported with
/// its field's path, all of them at once, and then nothing starts.
/// </summary>
internal static class Ecosystem
{
    private static readonly HashSet<string> Known =
        ["name", "app", "instances", "port", "args", "env", "pid_header", "wait_ready", "listen_timeout", "kill_timeout", "autorestart", "min_uptime", "max_restarts", "exp_backoff_restart_delay", "max_memory_restart", "watch", "log_max_size"];

    /// <summary>The apps of <paramref name="path"/> (their "app" paths relative to its folder), or every mistake in it.</summary>
    public static (List<AppSpec> Apps, List<string> Errors) Read(string path)
    {
        var errors = new List<string>();
        var apps = new List<AppSpec>();
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (System.Text.Json.JsonException e) { return (apps, [$"{path} is not valid JSON: {e.Message}"]); }
        if ((root as JsonObject)?["apps"] is not JsonArray list || list.Count == 0)
            return (apps, ["apps: the file needs an \"apps\" array with at least one app"]);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        for (int i = 0; i < list.Count; i++)
        {
            var at = $"apps[{i}]";
            if (list[i] is not JsonObject o) { errors.Add($"{at}: an app is an object"); continue; }
            foreach (var unknown in o.Select(p => p.Key).Where(k => !Known.Contains(k)))
                errors.Add($"{at}.{unknown}: unknown field (known: {string.Join(", ", Known)})");
            var name = Text(o, "name", at, errors, required: true);
            if (name is not null && AppSpec.NameProblem(name) is { } problem) errors.Add($"{at}.name: {problem}");
            if (name is not null && apps.Any(a => a.Name == name)) errors.Add($"{at}.name: '{name}' is taken by an app before it");
            var app = Text(o, "app", at, errors, required: true);
            var instances = o["instances"] switch
            {
                null => Environment.ProcessorCount,
                JsonValue v when v.TryGetValue<string>(out var s) && s == "max" => Environment.ProcessorCount,
                JsonValue v when v.TryGetValue<int>(out var n) && n is >= 1 and <= 256 => n,
                var other => Fail<int>(errors, $"{at}.instances: a whole number from 1 to 256 or \"max\", not {other!.ToJsonString()}"),
            };
            var port = Number(o, "port", at, errors, 0, 65535) ?? 8080;
            var args = o["args"] switch
            {
                null => [],
                JsonArray a when a.All(x => x is JsonValue v && v.TryGetValue<string>(out _)) => a.Select(x => x!.GetValue<string>()).ToList(),
                var other => Fail<List<string>>(errors, $"{at}.args: an array of strings, not {other!.ToJsonString()}") ?? [],
            };
            var env = o["env"] switch
            {
                null => new Dictionary<string, string>(),
                JsonObject e when e.All(x => x.Value is JsonValue v && v.TryGetValue<string>(out _)) => e.ToDictionary(x => x.Key, x => x.Value!.GetValue<string>()),
                var other => Fail<Dictionary<string, string>>(errors, $"{at}.env: an object of strings, not {other!.ToJsonString()}") ?? [],
            };
            var maxMemory = Size(o, "max_memory_restart", at, errors);
            var defaults = new AppSpec("", "", 1, 0);
            var logMax = Size(o, "log_max_size", at, errors) ?? defaults.LogMaxBytes;
            var (pidHeader, waitReady) = (Flag(o, "pid_header", at, errors) ?? false, Flag(o, "wait_ready", at, errors) ?? false);
            var watch = Flag(o, "watch", at, errors) ?? false;
            var (listenTimeout, killTimeout) = (Milliseconds(o, "listen_timeout", at, errors), Milliseconds(o, "kill_timeout", at, errors));
            var restart = defaults.Restart with
            {
                Enabled = Flag(o, "autorestart", at, errors) ?? true,
                MinUptime = Milliseconds(o, "min_uptime", at, errors) ?? defaults.Restart.MinUptime,
                MaxUnstableRestarts = Number(o, "max_restarts", at, errors, 0, 1000) ?? defaults.Restart.MaxUnstableRestarts,
                InitialDelay = Milliseconds(o, "exp_backoff_restart_delay", at, errors) ?? defaults.Restart.InitialDelay,
            };
            if (name is null || app is null) continue;
            apps.Add(new AppSpec(name, Path.GetFullPath(app, folder), instances, port)
            {
                Args = args, Env = env, PidHeader = pidHeader, WaitReady = waitReady, MaxMemory = maxMemory, Watch = watch, LogMaxBytes = logMax, Restart = restart,
                ListenTimeout = listenTimeout ?? defaults.ListenTimeout, KillTimeout = killTimeout ?? defaults.KillTimeout,
            });
        }
        return (apps, errors);
    }

    private static T? Fail<T>(List<string> errors, string error)
    {
        errors.Add(error);
        return default;
    }

    private static string? Text(JsonObject o, string key, string at, List<string> errors, bool required) => o[key] switch
    {
        null when required => Fail<string>(errors, $"{at}.{key}: required"),
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) && s.Length > 0 => s,
        var other => Fail<string>(errors, $"{at}.{key}: a non-empty string, not {other.ToJsonString()}"),
    };

    private static int? Number(JsonObject o, string key, string at, List<string> errors, int min, int max) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<int>(out var n) && n >= min && n <= max => n,
        var other => Fail<int?>(errors, $"{at}.{key}: a whole number from {min} to {max}, not {other.ToJsonString()}"),
    };

    private static long? Size(JsonObject o, string key, string at, List<string> errors) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var text) && AppSpec.ParseMemory(text) is long bytes => bytes,
        JsonValue v when v.TryGetValue<long>(out var bytes) && bytes > 0 => bytes,
        var other => Fail<long?>(errors, $"{at}.{key}: bytes, or a size such as \"200M\" (K, M, G), not {other.ToJsonString()}"),
    };

    private static TimeSpan? Milliseconds(JsonObject o, string key, string at, List<string> errors) =>
        Number(o, key, at, errors, 0, 3_600_000) is int ms ? TimeSpan.FromMilliseconds(ms) : null;

    private static bool? Flag(JsonObject o, string key, string at, List<string> errors) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        var other => Fail<bool?>(errors, $"{at}.{key}: true or false, not {other.ToJsonString()}"),
    };
}
