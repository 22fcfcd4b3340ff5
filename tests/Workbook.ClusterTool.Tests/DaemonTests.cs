using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Workbook.LoadTesting;
using Workbook.Testing;

namespace Workbook.ClusterTool.Tests;

/// <summary>The background daemon (PM2's): apps outlive the command that started them, and every command reaches them.</summary>
public class DaemonTests
{
    [Fact]
    public async Task Start_returns_once_every_worker_listens_the_app_outlives_it_and_kill_leaves_nothing()
    {
        await using var home = new DaemonHome();
        var port = await home.StartAppAsync();

        var pids = await home.OnlinePidsAsync();
        Assert.Equal(2, pids.Count);
        var answered = new HashSet<string>();
        for (int i = 0; i < 20 && answered.Count < 2; i++) answered.Add(await GetAsync(port, "/pid"));
        Assert.Equal(pids.Select(p => p.ToString()).Order(), answered.Order());

        var (code, stdout, _) = await home.RunAsync("kill");
        Assert.Equal(0, code);
        Assert.Contains("daemon stopped", stdout);
        foreach (var pid in pids) Assert.True(await ProcessTree.GoneWithin(pid, TimeSpan.FromSeconds(10)), $"worker {pid} still runs");
        Assert.False(File.Exists(home.Socket));
    }

    [Fact]
    public async Task Reload_replaces_every_worker_under_keep_alive_load_without_a_failed_request()
    {
        await using var home = new DaemonHome();
        var port = await home.StartAppAsync();
        var original = await home.OnlinePidsAsync();

        var load = LoadRunner.RunAsync(new LoadTest
        {
            Url = new Uri($"http://127.0.0.1:{port}/"),
            Connection = ConnectionMode.KeepAlive,
            Load = [Load.KeepConstant(copies: 20, during: TimeSpan.FromSeconds(6))],
        });
        await Task.Delay(1000);
        for (int i = 0; i < 2; i++)
        {
            var (code, stdout, stderr) = await home.RunAsync("reload", "web");
            Assert.True(code == 0, stdout + stderr);
            Assert.Contains("[web] reloaded: 2 worker(s) replaced", stdout);
        }
        var result = await load;

        Assert.True(result.Failed == 0, $"{result.Failed} failed of {result.Requests}: {result.DescribeFailures("none")}");
        Assert.True(result.Ok > 1000, $"only {result.Ok} answered");
        var now = await home.OnlinePidsAsync();
        Assert.Equal(2, now.Count);
        Assert.Empty(now.Intersect(original));
    }

    [Fact]
    public async Task Logs_hold_every_workers_output_with_its_id_and_the_home_is_the_users_alone()
    {
        await using var home = new DaemonHome();
        await home.StartAppAsync();

        var (code, stdout, _) = await home.RunAsync("logs", "web", "--lines", "100");

        Assert.Equal(0, code);
        foreach (var pid in await home.OnlinePidsAsync()) Assert.Matches($@"\[worker \d+\] app started in {pid}", stdout);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(home.Folder));
        foreach (var file in new[] { home.Socket, Path.Combine(home.Folder, "logs", "web.log"), Path.Combine(home.Folder, "daemon.log") })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Fact]
    public async Task An_apps_log_is_rotated_past_its_size_keeping_three_older_ones()
    {
        await using var home = new DaemonHome();
        await home.StartAppAsync("--log-max-size", "1K");
        for (int i = 0; i < 4; i++) Assert.Equal(0, (await home.RunAsync("reload", "web")).Code); // each writes a few hundred bytes per worker

        var log = Path.Combine(home.Folder, "logs", "web.log");
        Assert.True(File.Exists(log + ".1") && File.Exists(log + ".3"), string.Join(", ", Directory.GetFiles(Path.GetDirectoryName(log)!)));
        Assert.False(File.Exists(log + ".4"));
        foreach (var rotated in new[] { log + ".1", log + ".2", log + ".3" })
        {
            Assert.InRange(new FileInfo(rotated).Length, 1025, 1024 + 1024); // it passed 1 KiB by at most its last line
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(rotated));
        }
        Assert.Matches(@"\[worker \d+\] ", (await home.RunAsync("logs", "web", "--lines", "5")).Stdout);
    }

    [Fact]
    public async Task Stop_keeps_the_app_in_the_list_delete_removes_it_and_an_unknown_name_is_named()
    {
        await using var home = new DaemonHome();
        var port = await home.StartAppAsync();

        Assert.Equal(0, (await home.RunAsync("stop", "web")).Code);
        Assert.Matches(@"│ web\s+│ -\s+│ -\s+│ stopped", (await home.RunAsync("list")).Stdout);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => GetAsync(port, "/"));
        Assert.Equal(0, (await home.RunAsync("delete", "web")).Code);
        Assert.Contains("no apps", (await home.RunAsync("list")).Stdout);

        var (code, _, stderr) = await home.RunAsync("reload", "nope");
        Assert.Equal(1, code);
        Assert.Contains("no app named 'nope' (see dotnet cluster list)", stderr);
    }

    [Fact]
    public async Task Scale_forks_and_drains_workers_restart_replaces_all_at_once_and_describe_shows_the_app()
    {
        await using var home = new DaemonHome();
        var port = await home.StartAppAsync("--", "--flag", "value");
        var two = await home.OnlinePidsAsync();

        Assert.Equal(0, (await home.RunAsync("scale", "web", "3")).Code);
        var three = await home.OnlinePidsAsync();
        Assert.Equal(3, three.Count);
        Assert.Equal(0, (await home.RunAsync("scale", "web", "1")).Code);
        Assert.Equal([two[0]], await home.OnlinePidsAsync()); // the newest were drained
        Assert.All(three.Skip(1), pid => Assert.Null(ProcessTree.Find(pid)));

        var (code, stdout, stderr) = await home.RunAsync("restart", "web");
        Assert.True(code == 0, stdout + stderr);
        var restarted = await home.OnlinePidsAsync();
        Assert.Single(restarted);
        Assert.NotEqual(two[0], restarted[0]);
        Assert.Equal(restarted[0].ToString(), await GetAsync(port, "/pid"));

        (code, stdout, _) = await home.RunAsync("describe", "web");
        Assert.Equal(0, code);
        Assert.Matches(@"args\s+│ \[""--flag"",""value""\]", stdout);
        Assert.Contains($"http://127.0.0.1:{port}/", stdout);
        (code, _, stderr) = await home.RunAsync("scale", "web", "0");
        Assert.Equal(1, code);
        Assert.Contains("an app runs 1 to 256 workers, not 0", stderr);
    }

    [Fact]
    public async Task Without_a_daemon_commands_say_so_a_second_daemon_refuses_and_a_stale_socket_is_replaced()
    {
        await using var home = new DaemonHome();
        var (code, _, stderr) = await home.RunAsync("list");
        Assert.Equal(1, code);
        Assert.Contains("no daemon runs for", stderr);

        await home.StartAppAsync();
        (code, _, stderr) = await home.RunAsync("daemon");
        Assert.Equal(1, code);
        Assert.Contains("a daemon already runs", File.ReadAllText(Path.Combine(home.Folder, "daemon.log")) + stderr);
        Assert.Equal(2, (await home.OnlinePidsAsync()).Count); // the first one goes on

        Assert.Equal(0, (await home.RunAsync("kill")).Code);
        using (var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            stale.Bind(new UnixDomainSocketEndPoint(home.Socket)); // a socket file nobody serves, as a daemon killed with SIGKILL leaves
        await home.StartAppAsync();
        Assert.Equal(2, (await home.OnlinePidsAsync()).Count);
    }

    [Fact]
    public async Task The_daemon_runs_with_its_memory_limits_and_its_workers_with_the_environment_it_was_started_from()
    {
        await using var home = new DaemonHome();
        await home.StartAppAsync();
        var limits = new Dictionary<string, string> { ["MALLOC_ARENA_MAX"] = "2", ["DOTNET_GCGen0MaxBudget"] = "400000", ["DOTNET_TieredCompilation"] = "0" };

        var daemon = int.Parse(Regex.Match(File.ReadAllText(Path.Combine(home.Folder, "daemon.log")), @"daemon (\d+) serving").Groups[1].Value);
        var workers = await home.OnlinePidsAsync();
        foreach (var (name, value) in limits)
        {
            var users = Environment.GetEnvironmentVariable(name); // a user's own choice is kept, for both
            Assert.Equal(users ?? value, EnvironmentOf(daemon).GetValueOrDefault(name));
            foreach (var worker in workers) Assert.Equal(users, EnvironmentOf(worker).GetValueOrDefault(name));
        }
        foreach (var worker in workers)
        {
            Assert.DoesNotContain(EnvironmentOf(worker).Keys, k => k.StartsWith("DOTNET_CLUSTER_DAEMON", StringComparison.Ordinal));
            Assert.Equal(home.Folder, EnvironmentOf(worker)["DOTNET_CLUSTER_HOME"]); // what the daemon was started with
        }
    }

    private static Dictionary<string, string> EnvironmentOf(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => v.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");

    [Fact]
    public async Task A_malformed_or_oversized_message_gets_an_error_reply_and_the_daemon_keeps_running()
    {
        await using var home = new DaemonHome();
        await home.StartAppAsync();

        Assert.Contains("\"ok\":false", await RawAsync(home.Socket, Encoding.UTF8.GetBytes("this is not json\n")));
        Assert.Contains("\"ok\":false", await RawAsync(home.Socket, Encoding.UTF8.GetBytes("[1,2,3]\n")));
        Assert.Contains("\"ok\":false", await RawAsync(home.Socket, Encoding.UTF8.GetBytes("{\"command\":\"start\",\"name\":7}\n")));
        Assert.Contains("\"ok\":false", await RawAsync(home.Socket, Encoding.UTF8.GetBytes("{\"command\":\"start\",\"name\":\"x\"}\n")));
        Assert.Contains("unknown command", await RawAsync(home.Socket, Encoding.UTF8.GetBytes("{\"command\":\"format-disk\"}\n")));
        var huge = new byte[(2 << 20) + 1];
        Array.Fill(huge, (byte)'x');
        Assert.Contains("at most", await RawAsync(home.Socket, huge));

        Assert.Equal(2, (await home.OnlinePidsAsync()).Count);
    }

    private static async Task<string> RawAsync(string socketPath, byte[] bytes)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        await using var stream = new NetworkStream(socket);
        try
        {
            await stream.WriteAsync(bytes);
        }
        catch (IOException)
        {
            // the daemon answered and closed before reading it all
        }
        using var reader = new StreamReader(stream);
        return await reader.ReadLineAsync() ?? "";
    }

    private static async Task<string> GetAsync(int port, string path) => (await ClusterTool.GetWithHeaderAsync(port, path, "Server")).Body;
}
