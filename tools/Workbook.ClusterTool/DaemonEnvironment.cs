using Workbook.Processes;

namespace Workbook.ClusterTool;

/// <summary>
/// What the daemon runs with that its workers must not inherit: three settings that keep a long-running daemon's
/// memory level (data/benchmarks/README.md, soak). glibc gives threads arenas of their own, up to eight per core, and
/// keeps freed pages in each. .NET's GC lets the youngest generation grow to 16 MiB here (it scales with the CPU's
/// cache) before it collects; the daemon allocates little and keeps less. Tiered compilation compiles a method again
/// after 30 calls (twice with PGO), and the daemon's rare paths (a reload every 30 s) would keep compiling for half an
/// hour; compiled once, optimized, its code stops growing in its first minute, for about 90 ms more at its start. The
/// apps are the user's: they get the environment the daemon was started from, not these.
/// </summary>
internal static class DaemonEnvironment
{
    /// <summary>Each unless the user set it: glibc's malloc arenas, .NET's largest gen0 budget (hex bytes: 4 MiB), tiering off.</summary>
    public static readonly IReadOnlyDictionary<string, string> Limits = new Dictionary<string, string>
    {
        ["MALLOC_ARENA_MAX"] = "2",
        ["DOTNET_GCGen0MaxBudget"] = "400000",
        ["DOTNET_TieredCompilation"] = "0",
    };

    /// <summary>Names the variables that are the daemon's own, for it to drop before it forks a worker.</summary>
    public const string OwnVariable = "DOTNET_CLUSTER_DAEMON_OWN";

    /// <summary>The CLI's environment, plus the <see cref="Limits"/> the user did not set.</summary>
    public static Dictionary<string, string> ForDaemon()
    {
        var env = SpawnOptions.EnvWith([]);
        var own = Limits.Keys.Where(name => !env.ContainsKey(name)).ToList();
        foreach (var name in own) env[name] = Limits[name];
        if (own.Count > 0) env[OwnVariable] = string.Join(',', own);
        return env;
    }

    /// <summary>In the daemon: drops its own variables from the environment its workers inherit.</summary>
    public static void ForgetOwn()
    {
        if (Environment.GetEnvironmentVariable(OwnVariable) is not { } names) return;
        foreach (var name in names.Split(',', StringSplitOptions.RemoveEmptyEntries)) Environment.SetEnvironmentVariable(name, null);
        Environment.SetEnvironmentVariable(OwnVariable, null);
    }
}
