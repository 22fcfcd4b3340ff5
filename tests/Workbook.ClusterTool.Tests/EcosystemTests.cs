using System.Text.Json.Nodes;
using Workbook.Testing;

namespace Workbook.ClusterTool.Tests;

/// <summary><c>start cluster.json</c>: several apps from one file (PM2's ecosystem file), and every mistake in it named by its path.</summary>
public class EcosystemTests
{
    [Fact]
    public async Task A_file_of_two_apps_starts_both_with_their_own_ports_arguments_and_environment()
    {
        await using var home = new DaemonHome();
        var (webPort, apiPort) = (TestEnvironment.FreePort(), TestEnvironment.FreePort());
        var file = Write(home, new JsonArray(
            new JsonObject { ["name"] = "web", ["app"] = ClusterTool.App, ["instances"] = 2, ["port"] = webPort, ["env"] = new JsonObject { ["Greeting"] = "from cluster.json" } },
            new JsonObject { ["name"] = "api", ["app"] = ClusterTool.App, ["instances"] = 1, ["port"] = apiPort, ["args"] = new JsonArray("--role", "api"), ["kill_timeout"] = 3000, ["max_memory_restart"] = "1G" }));

        var (code, stdout, stderr) = await home.RunAsync("start", file);

        Assert.True(code == 0, stdout + stderr);
        Assert.Equal(2, (await home.OnlinePidsAsync()).Count);
        using var http = new HttpClient();
        Assert.Equal("from cluster.json", await http.GetStringAsync($"http://127.0.0.1:{webPort}/setting"));
        Assert.Equal("--role api", await http.GetStringAsync($"http://127.0.0.1:{apiPort}/args"));
        Assert.Matches(@"│ api\s+│ \d+\s+│ \d+\s+│ online", (await home.RunAsync("list")).Stdout);
    }

    [Fact]
    public async Task Every_mistake_is_named_by_its_field_path_and_nothing_starts()
    {
        await using var home = new DaemonHome();
        var file = Write(home, new JsonArray(
            new JsonObject { ["name"] = "web", ["app"] = ClusterTool.App, ["instances"] = "lots", ["port"] = 70000, ["colour"] = "blue" },
            new JsonObject { ["app"] = ClusterTool.App, ["env"] = new JsonObject { ["A"] = 1 }, ["max_memory_restart"] = "lots" },
            new JsonObject { ["name"] = "web", ["app"] = "/no/such/App.dll" }));

        var (code, stdout, stderr) = await home.RunAsync("start", file);

        Assert.True(code == 2, stdout + stderr);
        foreach (var expected in new[]
        {
            "apps[0].instances: a whole number from 1 to 256 or \"max\", not \"lots\"",
            "apps[0].port: a whole number from 0 to 65535, not 70000",
            "apps[0].colour: unknown field",
            "apps[1].name: required",
            "apps[1].env: an object of strings, not {\"A\":1}",
            "apps[1].max_memory_restart: bytes, or a size such as \"200M\" (K, M, G), not \"lots\"",
            "apps[2].name: 'web' is taken by an app before it",
        }) Assert.Contains($"dotnet-cluster: {file}: {expected}", stderr);
        Assert.False(File.Exists(home.Socket)); // no daemon was started, so nothing runs
    }

    [Fact]
    public async Task A_file_that_is_not_json_or_has_no_apps_is_named()
    {
        await using var home = new DaemonHome();
        Directory.CreateDirectory(home.Folder);
        var broken = Path.Combine(home.Folder, "broken.json");
        File.WriteAllText(broken, "{ apps: ");
        var empty = Path.Combine(home.Folder, "empty.json");
        File.WriteAllText(empty, "{ \"apps\": [] }");

        var (code, _, stderr) = await home.RunAsync("start", broken);
        Assert.Equal(2, code);
        Assert.Contains($"{broken} is not valid JSON", stderr);
        (code, _, stderr) = await home.RunAsync("start", empty);
        Assert.Equal(2, code);
        Assert.Contains("apps: the file needs an \"apps\" array with at least one app", stderr);
    }

    private static string Write(DaemonHome home, JsonArray apps)
    {
        var folder = Path.Combine(Path.GetDirectoryName(home.Folder)!, "project");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "cluster.json");
        File.WriteAllText(path, new JsonObject { ["apps"] = apps }.ToJsonString());
        return path;
    }
}
