using System.Collections;

namespace Workbook.ClusterTool;

/// <summary>
/// What the daemon runs with that its workers must not inherit. glibc gives threads arenas of their own, up to eight
/// per core, and keeps freed pages in each: over a 20-minute soak the daemon's resident memory kept growing by a fifth
/// with its heap flat. Two arenas keep it level (data/benchmarks/README.md, soak). The apps are the user's: they get
/// the environment the daemon was started from, not this.
/// </summary>
internal static class DaemonEnvironment
{
    public const string ArenaVariable = "MALLOC_ARENA_MAX";

    /// <summary>Names the variables that are the daemon's own, for it to drop before it forks a worker.</summary>
    public const string OwnVariable = "DOTNET_CLUSTER_DAEMON_OWN";

    /// <summary>The CLI's environment, plus two malloc arenas unless the user set a number.</summary>
    public static Dictionary<string, string> ForDaemon()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables()) env[(string)e.Key] = (string?)e.Value ?? "";
        if (!env.ContainsKey(ArenaVariable))
        {
            env[ArenaVariable] = "2";
            env[OwnVariable] = ArenaVariable;
        }
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
