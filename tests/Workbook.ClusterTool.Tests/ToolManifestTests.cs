using Workbook.Testing;

namespace Workbook.ClusterTool.Tests;

/// <summary>
/// <c>dotnet cluster</c> as a user gets it: the build packs the tool into tools/packages, <c>dotnet tool restore</c>
/// installs it from the repository's manifest, and the installed copy (not the build output) clusters an app.
/// </summary>
public sealed class ToolManifestTests
{
    private static readonly string Root = TestEnvironment.BuildMetadata(typeof(ToolManifestTests).Assembly, "RepositoryRoot");

    [Fact]
    public async Task Dotnet_tool_restore_installs_dotnet_cluster_and_the_installed_tool_clusters_an_app()
    {
        var (code, output) = await DotnetAsync(new Dictionary<string, string>(), "tool", "restore");
        Assert.True(code == 0, output);
        Assert.Contains("workbook.clustertool", output);

        var home = Directory.CreateTempSubdirectory("wb-cluster-manifest-");
        var env = new Dictionary<string, string> { ["DOTNET_CLUSTER_HOME"] = Path.Combine(home.FullName, "home") };
        try
        {
            var port = TestEnvironment.FreePort();
            (code, output) = await DotnetAsync(env, "cluster", "start", ClusterTool.App, "-i", "2", "--port", port.ToString(), "--name", "web");
            Assert.True(code == 0, output);
            Assert.Contains("2 worker(s) serving", output);

            (code, output) = await DotnetAsync(env, "cluster", "list");
            Assert.True(code == 0, output);
            var pids = DaemonHome.OnlinePids(output);
            Assert.Equal(2, pids.Count);
            // The workers' startup hook is the installed package's, in NuGet's cache, not the build's under artifacts/.
            var hooks = File.ReadAllText($"/proc/{pids[0]}/environ").Split('\0').Single(v => v.StartsWith("DOTNET_STARTUP_HOOKS="));
            Assert.Contains("workbook.clustertool", hooks);
            Assert.DoesNotContain("artifacts", hooks);
            Assert.Contains(int.Parse((await ClusterTool.GetWithHeaderAsync(port, "/pid", "Server")).Body.Trim()), pids);

            (code, output) = await DotnetAsync(env, "cluster", "reload", "web");
            Assert.True(code == 0, output);
            (code, output) = await DotnetAsync(env, "cluster", "list");
            var replaced = DaemonHome.OnlinePids(output);
            Assert.Equal(2, replaced.Count);
            Assert.Empty(replaced.Intersect(pids));
            (code, output) = await DotnetAsync(env, "cluster", "kill");
            Assert.True(code == 0, output);
            foreach (var pid in replaced) Assert.True(await ProcessTree.GoneWithin(pid, TimeSpan.FromSeconds(10)), $"worker {pid} still runs");
        }
        finally
        {
            if (File.Exists(Path.Combine(env["DOTNET_CLUSTER_HOME"], "daemon.sock"))) await DotnetAsync(env, "cluster", "kill");
            home.Delete(recursive: true);
        }
    }

    /// <summary><c>dotnet ARGS</c> at the repository's root, as a user types it there: the exit code and all it printed.</summary>
    private static async Task<(int Code, string Output)> DotnetAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var (code, stdout, stderr) = await ToolProcess.DotnetAsync(Root, environment, args);
        return (code, stdout + stderr);
    }
}
