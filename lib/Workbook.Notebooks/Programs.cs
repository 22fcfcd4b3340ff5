namespace Workbook.Notebooks;

/// <summary>Programs a chapter runs beside ours when they are installed (node, wrk, pm2), and a free port for them.</summary>
public static class Programs
{
    /// <summary>Whether <paramref name="name"/> is a file in a folder on PATH.</summary>
    public static bool OnPath(string name) => Find(name) is not null;

    /// <summary>The path of <paramref name="name"/> in the first folder on PATH that has it, or null.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);

    /// <summary>A port of 127.0.0.1 that was free a moment ago.</summary>
    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
