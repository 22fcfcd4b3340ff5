namespace Workbook.Notebooks;

/// <summary>Programs a chapter runs beside ours when they are installed (node, wrk, pm2), and what starting them needs.</summary>
public static class Programs
{
    /// <summary>Whether <paramref name="name"/> is a file in a folder on PATH.</summary>
    public static bool OnPath(string name) => Find(name) is not null;

    /// <summary>The path of <paramref name="name"/> in the first folder on PATH that has it, or null.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);

    /// <summary>This process's environment with <paramref name="extra"/> set (SpawnOptions.Env replaces the whole environment, as Node's env does).</summary>
    internal static Dictionary<string, string> EnvironmentWith(params (string Name, string Value)[] extra)
    {
        var env = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
        foreach (var (name, value) in extra) env[name] = value;
        return env;
    }

    /// <summary>A port of 127.0.0.1 that was free a moment ago.</summary>
    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
