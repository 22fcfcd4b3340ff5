using System.Net;
using System.Net.Sockets;
using Workbook.LoadTesting;
using Workbook.Processes;

namespace Workbook.ClusterTool.Tests;

/// <summary>
/// <c>dotnet cluster start … --no-daemon</c> (pm2-runtime's job) on an ordinary ASP.NET Core app that does not
/// reference the workbook: its workers share the port, the app behaves as it does alone, signals reload and stop it.
/// </summary>
public class ForegroundTests
{
    [Fact]
    public async Task An_unmodified_app_runs_as_two_workers_on_one_port_with_its_own_settings_and_arguments()
    {
        await using var tool = await ClusterTool.StartForegroundAsync("--", "--flag", "value");

        Assert.Equal(2, tool.ListeningPids().Count);
        var answered = new HashSet<string>();
        for (int i = 0; i < 20 && answered.Count < 2; i++) answered.Add(await tool.GetAsync("/pid"));
        Assert.Equal(tool.ListeningPids().Select(p => p.ToString()).Order(), answered.Order());
        Assert.Equal("Hello World!", await tool.GetAsync("/"));
        Assert.Equal("hello from appsettings.json", await tool.GetAsync("/setting")); // its content root is its folder
        Assert.Equal("--flag value", await tool.GetAsync("/args"));
        foreach (var pid in tool.ListeningPids()) Assert.Contains($"app started in {pid}", tool.Output); // its lifetime events run
    }

    [Fact]
    public async Task With_pid_header_every_response_names_the_worker_that_answered_and_without_it_none_does()
    {
        await using (var tool = await ClusterTool.StartForegroundAsync("--pid-header"))
        {
            for (int i = 0; i < 4; i++)
            {
                var (header, body) = await tool.GetWithHeaderAsync("/pid", "X-Worker-Pid");
                Assert.Equal(body, header);
            }
        }
        await using (var tool = await ClusterTool.StartForegroundAsync())
            Assert.Null((await tool.GetWithHeaderAsync("/pid", "X-Worker-Pid")).Header);
    }

    [Fact]
    public async Task SIGUSR2_reloads_every_worker_under_keep_alive_load_without_a_failed_request()
    {
        await using var tool = await ClusterTool.StartForegroundAsync();
        var original = tool.ListeningPids();

        var load = LoadRunner.RunAsync(new LoadTest
        {
            Url = new Uri($"http://127.0.0.1:{tool.Port}/"),
            Connection = ConnectionMode.KeepAlive,
            Load = [Load.KeepConstant(copies: 20, during: TimeSpan.FromSeconds(6))],
        });
        await Task.Delay(1500);
        tool.Process.Kill("SIGUSR2");
        await tool.UntilAsync(() => tool.ListeningPids().Count == 4);
        await Task.Delay(500);
        tool.Process.Kill("SIGUSR2");
        await tool.UntilAsync(() => tool.ListeningPids().Count == 6);
        var result = await load;

        Assert.True(result.Failed == 0, $"{result.Failed} failed of {result.Requests}: {result.DescribeFailures("none")}");
        Assert.True(result.Ok > 1000, $"only {result.Ok} answered");
        var now = new HashSet<string>();
        for (int i = 0; i < 20 && now.Count < 2; i++) now.Add(await tool.GetAsync("/pid"));
        Assert.Equal(tool.ListeningPids()[4..].Select(p => p.ToString()).Order(), now.Order());
        Assert.DoesNotContain(original, p => now.Contains(p.ToString()));
    }

    [Fact]
    public async Task SIGTERM_stops_every_worker_through_the_apps_own_shutdown_and_exits_0()
    {
        var tool = await ClusterTool.StartForegroundAsync();
        var workers = tool.ListeningPids();

        tool.Process.Kill("SIGTERM");
        var exit = await tool.Process.Exited.WaitAsync(ClusterTool.Timeout);

        Assert.True(exit.Code == 0, tool.Output);
        foreach (var pid in workers)
        {
            Assert.Contains($"app stopping in {pid}", tool.Output);
            Assert.Null(Workbook.Testing.ProcessTree.Find(pid));
        }
        await tool.DisposeAsync();
    }

    [Fact]
    public async Task A_worker_that_dies_is_replaced_and_the_app_goes_on_serving()
    {
        await using var tool = await ClusterTool.StartForegroundAsync();
        var victim = tool.ListeningPids()[0];

        Assert.True(Native.Kill(victim, 9));
        await tool.UntilAsync(() => tool.ListeningPids().Count == 3);

        Assert.Contains($"(pid {victim}) exited; starting a new one", tool.Output);
        var answered = new HashSet<string>();
        for (int i = 0; i < 20 && answered.Count < 2; i++) answered.Add(await tool.GetAsync("/pid"));
        Assert.Equal(tool.ListeningPids()[1..].Select(p => p.ToString()).Order(), answered.Order());
    }

    [Fact]
    public async Task A_worker_past_max_memory_restart_is_replaced_by_a_rolling_step()
    {
        await using var tool = await ClusterTool.StartForegroundAsync("--max-memory-restart", "200M");
        var grown = int.Parse(await tool.GetAsync("/grow?mb=250"));

        await tool.UntilAsync(() => tool.ListeningPids().Count == 3 && tool.Output.Contains($"(pid {grown}) uses"));

        Assert.Matches($@"worker \d+ \(pid {grown}\) uses \d+ MiB, over max_memory_restart \(200 MiB\): replacing it", tool.Output);
        Assert.True(await Workbook.Testing.ProcessTree.GoneWithin(grown, ClusterTool.Timeout));
        var answered = new HashSet<string>();
        for (int i = 0; i < 20 && answered.Count < 2; i++) answered.Add(await tool.GetAsync("/pid"));
        Assert.Equal(tool.ListeningPids().Where(p => p != grown).Select(p => p.ToString()).Order(), answered.Order());
    }

    [Fact]
    public async Task With_watch_a_rebuilt_dll_reloads_every_worker()
    {
        var copy = Directory.CreateTempSubdirectory("wb-cluster-watch-");
        try
        {
            foreach (var file in Directory.GetFiles(Path.GetDirectoryName(ClusterTool.App)!)) File.Copy(file, Path.Combine(copy.FullName, Path.GetFileName(file)));
            var dll = Path.Combine(copy.FullName, Path.GetFileName(ClusterTool.App));
            await using var tool = await ClusterTool.StartForegroundOfAsync(dll, "--watch");
            var before = tool.ListeningPids();

            File.WriteAllBytes(dll, File.ReadAllBytes(dll)); // as a rebuild writes it again
            await tool.UntilAsync(() => tool.Output.Contains("reloaded after the change: 2 worker(s) replaced"));

            Assert.Contains("changed: reloading", tool.Output);
            Assert.Equal(4, tool.ListeningPids().Count);
            Assert.Empty(tool.ListeningPids()[2..].Intersect(before));
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_port_in_use_is_named_and_nothing_is_left_running()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        Assert.Contains($"{port}", await StartFailsAsync(port));
    }

    [Fact]
    public async Task An_app_that_crashes_at_start_fails_with_its_last_output_and_nothing_left_running() =>
        Assert.Contains("this app was told to crash at start", await StartFailsAsync(0, "--crash-at-start"));

    [Fact]
    public async Task An_app_whose_host_runs_no_hosting_startups_is_named_as_such_and_not_left_serving_its_own_port()
    {
        var output = await StartFailsAsync(0, "--slim");

        Assert.Contains("exited with code 3 before it was listening", output);
        Assert.Contains("built without running hosting startups (WebApplication.CreateSlimBuilder", output);
    }

    /// <summary>Starts the app with <paramref name="appArgs"/>; asserts the tool failed to start it (exit code 1) and returns what it printed.</summary>
    private static async Task<string> StartFailsAsync(int port, params string[] appArgs)
    {
        var (code, stdout, stderr) = await new Workbook.Testing.ToolProcess(ClusterTool.Dll)
            .RunAsync(["start", ClusterTool.App, "-i", "2", "--port", port.ToString(), "--no-daemon", "--", .. appArgs]);
        Assert.True(code == 1, $"exit code {code}\n{stdout}{stderr}");
        Assert.Contains("did not start", stderr);
        return stdout + stderr;
    }

    private static class Native
    {
        [System.Runtime.InteropServices.DllImport("libc")]
        private static extern int kill(int pid, int sig);

        public static bool Kill(int pid, int signal) => kill(pid, signal) == 0;
    }
}
