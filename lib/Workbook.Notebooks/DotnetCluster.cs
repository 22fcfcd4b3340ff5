using System.Diagnostics;
using Workbook.Processes;

namespace Workbook.Notebooks;

/// <summary>
/// Chapter 10's view of <c>dotnet cluster</c> (tools/Workbook.ClusterTool): the tool run as a reader runs it, with a
/// home of its own (so a reader's own daemon and apps are not touched), and a stock web app to run under it.
/// Disposing ends the daemon and every app, and deletes the home.
/// </summary>
public sealed class DotnetCluster : IAsyncDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("dotnet-cluster-home-");

    /// <summary>The built tool.</summary>
    public static string ToolDll => ExamplePaths.Dll("Workbook.ClusterTool");

    /// <summary>The tool's home for this chapter (DOTNET_CLUSTER_HOME): its socket, lock and logs.</summary>
    public string Home => _home.FullName;

    /// <summary>
    /// <c>dotnet new web</c> into a temporary folder, then <c>dotnet build -c Release</c> (offline: the template ships with
    /// the SDK): the app's folder and its built .dll. The caller deletes the folder.
    /// </summary>
    public static async Task<(string Folder, string Dll)> NewWebAppAsync(string name)
    {
        var folder = Directory.CreateTempSubdirectory("dotnet-new-web-").FullName;
        await DotnetAsync(folder, "new", "web", "--name", name, "--output", ".");
        await DotnetAsync(folder, "build", "-c", "Release", "-nologo", "-v", "q");
        var dll = Directory.GetFiles(Path.Combine(folder, "bin", "Release"), name + ".dll", SearchOption.AllDirectories).Single();
        return (folder, dll);
    }

    /// <summary>Runs <c>dotnet cluster ARGS</c> against this home: its exit code and what it printed (stdout, then stderr).</summary>
    public async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        var tool = ChildProcess.Spawn(DotnetHost(), [ToolDll, .. args], new SpawnOptions
        {
            Env = SpawnOptions.EnvWith([new("DOTNET_CLUSTER_HOME", Home)]),
        });
        var stdout = tool.Stdout!.ReadToEndAsync();
        var stderr = tool.Stderr!.ReadToEndAsync();
        var exit = await tool.Closed.WaitAsync(Limit);
        return (exit.Code ?? -1, await stdout + await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(Home, "daemon.sock"))) await RunAsync("kill");
        _home.Delete(recursive: true);
    }

    private static async Task DotnetAsync(string cwd, params string[] args)
    {
        var dotnet = ChildProcess.Spawn(DotnetHost(), args, new SpawnOptions
        {
            Cwd = cwd,
            // No build server may outlive the build.
            Env = SpawnOptions.EnvWith([new("MSBUILDDISABLENODEREUSE", "1"), new("DOTNET_CLI_USE_MSBUILD_SERVER", "0")]),
        });
        var output = dotnet.Stdout!.ReadToEndAsync();
        var errors = dotnet.Stderr!.ReadToEndAsync();
        var exit = await dotnet.Closed.WaitAsync(Limit);
        if (!exit.Success) throw new InvalidOperationException($"dotnet {string.Join(' ', args)} failed ({exit}):\n{await output}{await errors}");
    }

    private static string DotnetHost() =>
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
}
