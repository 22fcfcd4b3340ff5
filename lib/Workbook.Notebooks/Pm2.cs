using System.Text.Json;
using Workbook.Processes;

namespace Workbook.Notebooks;

/// <summary>
/// PM2 running the notes' <c>server.js</c> in cluster mode, so that <c>pm2 start</c> and <c>pm2 reload</c> can be set
/// beside ours. The one driver of PM2: this file is compiled into the benchmarks too, beside their own part (where PM2
/// comes from), as chapter 10's part is here (<c>Pm2.OnPath.cs</c>). Its daemon gets a home of its own
/// (<c>PM2_HOME</c>), so a reader's own PM2 and its apps are not touched; disposing ends that daemon with the app and
/// removes its home.
/// </summary>
public sealed partial class Pm2 : IAsyncDisposable
{
    private const string AppName = "workbook-notes-server";
    private readonly string _executable, _home;
    private readonly Dictionary<string, string> _env;

    private Pm2(string executable, string home, int port)
    {
        (_executable, _home) = (executable, home);
        _env = SpawnOptions.EnvWith([new("PM2_HOME", home)]);
        Url = new Uri($"http://127.0.0.1:{port}/");
    }

    /// <summary>Where the notes' server listens: <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Url { get; }

    /// <summary><c>pm2 --version</c>, e.g. <c>7.0.4</c>, once <see cref="StartAsync(string, string, int, long, int)"/> returned.</summary>
    public string Version { get; private set; } = "";

    /// <summary>
    /// <c>pm2 start SERVERJS -i INSTANCES -- PORT WORK</c> with a daemon of its own; back when the command is. Throws,
    /// with nothing left running, when PM2 cannot start it.
    /// </summary>
    public static async Task<Pm2> LaunchAsync(string executable, string serverJs, int instances, long work, int port)
    {
        var pm2 = new Pm2(executable, Directory.CreateTempSubdirectory("workbook-pm2-").FullName, port);
        try
        {
            await pm2.RunAsync("start", serverJs, "-i", instances.ToString(), "--name", AppName, "--", port.ToString(), work.ToString());
        }
        catch
        {
            await pm2.DisposeAsync(); // its daemon may be running
            throw;
        }
        return pm2;
    }

    /// <summary><see cref="LaunchAsync"/>, then back once the port answers (at most 30 s) and PM2 said its version.</summary>
    public static async Task<Pm2> StartAsync(string executable, string serverJs, int instances, long work, int port)
    {
        var pm2 = await LaunchAsync(executable, serverJs, instances, work, port);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30); ; await Task.Delay(100))
            {
                try
                {
                    await http.GetStringAsync(pm2.Url);
                    break;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline)
                {
                }
            }
            pm2.Version = (await pm2.RunAsync("--version")).Trim().Split('\n')[^1];
            return pm2;
        }
        catch
        {
            await pm2.DisposeAsync(); // it never answered: its daemon goes too
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
        (await ChildProcess.ExecFileAsync(_executable, args, new ExecOptions { Env = _env, Timeout = TimeSpan.FromSeconds(60), MaxBuffer = 4 * 1024 * 1024 })).Stdout;
}
