using System.Text.Json;
using Workbook.Processes;

namespace Workbook.Notebooks;

/// <summary>
/// PM2 (when <c>pm2</c> is on PATH, e.g. after <c>npm install -g pm2</c>) running the notes' <c>server.js</c> in
/// cluster mode, so a chapter can put <c>pm2 reload</c> under the same load as <c>dotnet cluster reload</c>. Its
/// daemon gets a home of its own (<c>PM2_HOME</c>), so a reader's own PM2 and its apps are not touched; disposing
/// deletes the app, ends that daemon and removes its home.
/// </summary>
public sealed class Pm2 : IAsyncDisposable
{
    private const string AppName = "workbook-notes-server";
    private readonly Dictionary<string, string> _env;
    private readonly string _home;

    private Pm2(string home, int port)
    {
        _home = home;
        _env = Programs.EnvironmentWith(("PM2_HOME", home));
        Url = new Uri($"http://127.0.0.1:{port}/");
    }

    /// <summary>Where <c>pm2</c> is: the first folder on PATH that has it; null when it is not installed.</summary>
    public static string? Executable { get; } = Programs.Find("pm2");

    /// <summary>Whether PM2 can run here: <c>pm2</c> and <c>node</c> on PATH.</summary>
    public static bool IsAvailable => Executable is not null && NodeProgram.IsAvailable;

    /// <summary><c>pm2 --version</c>, e.g. <c>7.0.4</c>.</summary>
    public string Version { get; private set; } = "";

    /// <summary>Where the notes' server listens: <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Url { get; }

    /// <summary>
    /// <c>pm2 start server.js -i N</c> (the notes' server, <paramref name="work"/> loop iterations per request) on a
    /// free port; returns once the port answers. Throws, with nothing left running, when PM2 cannot start it.
    /// </summary>
    public static async Task<Pm2> StartAsync(int instances = 2, long work = 0)
    {
        if (Executable is null) throw new InvalidOperationException("pm2 is not on PATH (npm install -g pm2).");
        var pm2 = new Pm2(Directory.CreateTempSubdirectory("workbook-pm2-").FullName, Programs.FreePort());
        try
        {
            await pm2.RunAsync("start", Path.Combine(NodeProgram.Folder, "server.js"), "-i", instances.ToString(), "--name", AppName,
                "--", pm2.Url.Port.ToString(), work.ToString());
            pm2.Version = (await pm2.RunAsync("--version")).Trim().Split('\n')[^1];
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30); ; await Task.Delay(100))
            {
                try
                {
                    await http.GetStringAsync(pm2.Url);
                    return pm2;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline)
                {
                }
            }
        }
        catch
        {
            await pm2.DisposeAsync();
            throw;
        }
    }

    /// <summary><c>pm2 reload</c>: PM2's zero-downtime restart of every instance, one at a time; back when PM2 says it is done.</summary>
    public Task ReloadAsync() => RunAsync("reload", AppName);

    /// <summary>The PIDs of the instances now (<c>pm2 jlist</c>).</summary>
    public async Task<List<int>> PidsAsync()
    {
        var json = await RunAsync("jlist");
        return [.. JsonDocument.Parse(json[json.IndexOf('[')..]).RootElement.EnumerateArray().Select(p => p.GetProperty("pid").GetInt32())];
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("kill"); // the app and this home's daemon
        }
        catch (ExecException)
        {
        }
        try { Directory.Delete(_home, recursive: true); } catch (IOException) { }
    }

    private async Task<string> RunAsync(params string[] args) =>
        (await ChildProcess.ExecFileAsync(Executable!, args, new ExecOptions { Env = _env, Timeout = TimeSpan.FromSeconds(60), MaxBuffer = 4 * 1024 * 1024 })).Stdout;
}
