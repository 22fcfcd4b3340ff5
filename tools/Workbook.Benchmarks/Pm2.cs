using System.Text.Json;
using Workbook.Processes;

namespace Workbook.Benchmarks;

/// <summary>
/// PM2 (from npm, pinned) running the notes' server.js in cluster mode, for the reload comparison. Its daemon gets
/// a home of its own (PM2_HOME), so a user's PM2 is untouched, and is ended on dispose.
/// </summary>
public sealed class Pm2 : IAsyncDisposable
{
    public const string Version = "7.0.4";
    private const string AppName = "workbook-bench";
    private readonly string _bin;
    private readonly Dictionary<string, string> _env;

    private Pm2(string bin, string home)
    {
        _bin = bin;
        _env = ChildEnvironment.CurrentWith([new("PM2_HOME", home)]);
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>Installs PM2 under the benchmark's output folder once (npm), or returns null when npm is missing.</summary>
    public static async Task<string?> InstallAsync()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "pm2");
        var bin = Path.Combine(dir, "node_modules", ".bin", "pm2");
        if (File.Exists(bin)) return bin;
        try
        {
            Console.WriteLine($"installing pm2@{Version} with npm into {dir}");
            await ChildProcess.ExecFileAsync("npm", ["install", "--prefix", dir, "--no-audit", "--no-fund", $"pm2@{Version}"],
                new ExecOptions { Timeout = TimeSpan.FromMinutes(5), MaxBuffer = 16 * 1024 * 1024 });
            return bin;
        }
        catch (Exception e) when (e is SpawnException or ExecException)
        {
            Console.Error.WriteLine($"pm2 not available: {e.Message}");
            return null;
        }
    }

    /// <summary><c>pm2 start server.js -i 2</c> on a free port, with a daemon of its own; returns when the command does.</summary>
    public static async Task<Pm2> LaunchAsync(string bin, string serverJs, long work)
    {
        var pm2 = new Pm2(bin, Directory.CreateTempSubdirectory("workbook-pm2-").FullName);
        var port = RunningServer.FreePort();
        pm2.Url = new Uri($"http://127.0.0.1:{port}/");
        try
        {
            await pm2.RunAsync("start", serverJs, "-i", "2", "--name", AppName, "--", port.ToString(), work.ToString());
        }
        catch (Exception)
        {
            await pm2.DisposeAsync(); // its daemon may be running
            throw;
        }
        return pm2;
    }

    /// <summary><see cref="LaunchAsync"/>, then returns once the port answers.</summary>
    public static async Task<Pm2> StartAsync(string bin, string serverJs, long work)
    {
        var pm2 = await LaunchAsync(bin, serverJs, work);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await http.GetStringAsync(pm2.Url);
                return pm2;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            catch (Exception)
            {
                await pm2.DisposeAsync(); // it never answered: its daemon goes too
                throw;
            }
        }
    }

    /// <summary><c>pm2 reload</c>: PM2's zero-downtime restart of every instance, one at a time.</summary>
    public Task ReloadAsync() => RunAsync("reload", AppName);

    /// <summary>The PIDs of the instances now.</summary>
    public async Task<List<int>> PidsAsync()
    {
        var json = await RunAsync("jlist");
        return JsonDocument.Parse(json[json.IndexOf('[')..]).RootElement.EnumerateArray().Select(p => p.GetProperty("pid").GetInt32()).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("delete", AppName);
        }
        finally
        {
            await RunAsync("kill"); // the daemon
            try { Directory.Delete(_env["PM2_HOME"], recursive: true); } catch (IOException) { }
        }
    }

    private async Task<string> RunAsync(params string[] args) =>
        (await ChildProcess.ExecFileAsync(_bin, args, new ExecOptions { Env = _env, Timeout = TimeSpan.FromSeconds(60), MaxBuffer = 4 * 1024 * 1024 })).Stdout;
}
