using System.Text.RegularExpressions;
using Workbook.Testing;

namespace Workbook.ClusterTool.Tests;

/// <summary>A home of its own for one test's daemon (DOTNET_CLUSTER_HOME), and the tool run against it; disposing kills the daemon.</summary>
internal sealed class DaemonHome : IAsyncDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("wb-cluster-home-");
    private readonly ToolProcess _tool = new(ClusterTool.Dll);

    public string Folder => Path.Combine(_folder.FullName, "home"); // created by the tool, with its own modes
    public string Socket => Path.Combine(Folder, "daemon.sock");
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["DOTNET_CLUSTER_HOME"] = Folder };

    public Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args) => _tool.RunAsync(Environment, args);

    /// <summary><c>start APP -i 2 --port P --name web</c>; asserts it succeeded and returns the port.</summary>
    public async Task<int> StartAppAsync(params string[] more)
    {
        var port = TestEnvironment.FreePort();
        var (code, stdout, stderr) = await RunAsync(["start", ClusterTool.App, "-i", "2", "--port", port.ToString(), "--name", "web", .. more]);
        Assert.True(code == 0, $"exit code {code}\n{stdout}{stderr}");
        return port;
    }

    /// <summary>The pids <c>list</c> shows as online workers of web.</summary>
    public async Task<List<int>> OnlinePidsAsync()
    {
        var (code, stdout, stderr) = await RunAsync("list");
        Assert.True(code == 0, stdout + stderr);
        return OnlinePids(stdout);
    }

    /// <summary>The pids a <c>list</c> output shows as online workers of web.</summary>
    public static List<int> OnlinePids(string list) => [.. Regex.Matches(list, @"│ web\s+│ \d+\s+│ (\d+)\s+│ online").Select(m => int.Parse(m.Groups[1].Value))];

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Socket)) await RunAsync("kill");
        _folder.Delete(recursive: true);
    }
}
