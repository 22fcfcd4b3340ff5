using Workbook.Testing;

namespace Workbook.ClusterTool.Tests;

/// <summary>What the tool refuses, and how: one line that names the problem, exit code 2, nothing started.</summary>
public class CommandLineTests
{
    private static readonly ToolProcess Tool = new(ClusterTool.Dll);

    [Fact]
    public async Task Help_lists_start_and_its_options_with_their_defaults()
    {
        var (code, stdout, _) = await Tool.RunAsync("start", "--help");

        Assert.Equal(0, code);
        Assert.Matches(@"-i, --instances <N>\s+max\s", stdout);
        Assert.Matches(@"--port <PORT>\s+8080\s", stdout);
        Assert.Contains("--no-daemon", stdout);
    }

    [Fact]
    public Task A_missing_app_is_named() =>
        Tool.AssertRefusedAsync("no app at '/no/such/App.dll' (build it first?)", "start", "/no/such/App.dll", "--no-daemon");

    [Fact]
    public Task A_console_app_is_refused_as_no_web_app() =>
        Tool.AssertRefusedAsync("'Workbook.Processes.Tests.Dummy.dll' is not an ASP.NET Core app", "start", ClusterTool.ConsoleApp, "--no-daemon");

    [Fact]
    public async Task A_folder_without_a_project_is_named()
    {
        var folder = Directory.CreateTempSubdirectory("wb-cluster-");
        try
        {
            await Tool.AssertRefusedAsync($"'{folder.FullName}' is a folder without exactly one project file", "start", folder.FullName, "--no-daemon");
        }
        finally
        {
            folder.Delete();
        }
    }

    [Theory]
    [InlineData("-i|--instances needs a whole number from 1 to 256 or max, not 'lots'", "-i", "lots")]
    [InlineData("-i|--instances needs a whole number from 1 to 256 or max, not '0'", "-i", "0")]
    [InlineData("--port must be from 0 to 65535, not 70000", "--port", "70000")]
    public Task A_bad_option_is_named(string message, params string[] args) =>
        Tool.AssertRefusedAsync(message, ["start", ClusterTool.App, "--no-daemon", .. args]);
}
