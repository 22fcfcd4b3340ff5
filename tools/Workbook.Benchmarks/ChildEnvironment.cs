namespace Workbook.Benchmarks;

/// <summary>Environments for the programs the benchmarks start: SpawnOptions.Env replaces the whole environment.</summary>
public static class ChildEnvironment
{
    /// <summary>This process's environment with <paramref name="changes"/> set on top.</summary>
    public static Dictionary<string, string> CurrentWith(IEnumerable<KeyValuePair<string, string>> changes)
    {
        var env = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
        foreach (var (name, value) in changes) env[name] = value;
        return env;
    }
}
