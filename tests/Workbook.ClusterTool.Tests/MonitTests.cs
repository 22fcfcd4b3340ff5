using System.Globalization;
using System.Text.RegularExpressions;
using Workbook.Testing;

namespace Workbook.ClusterTool.Tests;

/// <summary>monit (PM2's pm2 monit) with stdout not a terminal: a plain-text snapshot per refresh.</summary>
public class MonitTests
{
    private static readonly ToolProcess Tool = new(ClusterTool.Dll);

    [Fact]
    public async Task Monit_shows_each_worker_as_list_does_with_its_cpu_and_memory_and_the_apps_last_log_lines()
    {
        await using var home = new DaemonHome();
        await home.StartAppAsync();
        var pids = await home.OnlinePidsAsync();
        Assert.Equal(2, pids.Count);

        var (code, stdout, stderr) = await home.RunAsync("monit", "--count", "2", "--refresh", "0.5", "--lines", "20");

        Assert.True(code == 0, $"exit code {code}\n{stdout}{stderr}");
        var snapshots = stdout.Split("--- ", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, snapshots.Length);
        Assert.Contains("1 app, 2 of 2 workers online", snapshots[1]);
        foreach (var pid in pids)
        {
            // The second snapshot has a cpu % (the first has none yet: it is measured between two refreshes).
            var row = Regex.Match(snapshots[1], $@"^web\s+\d+\s+{pid}\s+online\s+\d+ s\s+0\s+(?<cpu>\d+\.\d)\s+(?<mib>\d+\.\d) MiB$", RegexOptions.Multiline);
            Assert.True(row.Success, $"no row for worker {pid}:\n{stdout}");
            Assert.InRange(double.Parse(row.Groups["cpu"].Value, CultureInfo.InvariantCulture), 0, 100 * Environment.ProcessorCount);
            Assert.InRange(double.Parse(row.Groups["mib"].Value, CultureInfo.InvariantCulture), 1, 4096);
            Assert.Matches($@"(?m)^  \[worker \d+\] app started in {pid}$", snapshots[1]); // each worker writes 9 lines as it starts
        }
        Assert.Contains(Path.Combine(home.Folder, "logs", "web.log"), snapshots[1]);
        Assert.Equal(pids, await home.OnlinePidsAsync()); // it only looked
    }

    [Fact]
    public async Task Monit_names_an_unknown_app_with_exit_code_1_as_list_does_and_without_a_daemon_says_so_and_starts_none()
    {
        await using var home = new DaemonHome();
        var (code, _, stderr) = await home.RunAsync("monit", "--count", "1");
        Assert.Equal(1, code);
        Assert.Contains("no daemon runs for", stderr);
        Assert.False(Directory.Exists(home.Folder), "monit started a daemon");

        await home.StartAppAsync();
        (code, var stdout, stderr) = await home.RunAsync("monit", "nope", "--count", "1");
        Assert.Equal(1, code);
        Assert.Contains("no app named 'nope' (see dotnet cluster list)", stderr);
        Assert.Empty(stdout);

        (code, stdout, stderr) = await home.RunAsync("monit", "web", "--count", "1", "--lines", "0");
        Assert.True(code == 0, stdout + stderr);
        Assert.Equal(2, Regex.Matches(stdout, @"(?m)^web\s+\d+\s+\d+\s+online\s").Count);
        Assert.DoesNotMatch(@"\[worker \d+\]", stdout);
    }

    [Theory]
    [InlineData("--refresh must be from 0.1 to 3600, not 0", "--refresh", "0")]
    [InlineData("--refresh needs a number, not 'soon'", "--refresh", "soon")]
    [InlineData("--count must be at least 1, not -1", "--count", "-1")]
    public Task Monit_refuses_a_bad_option_and_names_it(string message, params string[] args) =>
        Tool.AssertRefusedAsync(message, ["monit", .. args]);
}
