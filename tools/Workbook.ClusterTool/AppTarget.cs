using System.Diagnostics;
using Workbook.Cluster.Hosting;

namespace Workbook.ClusterTool;

/// <summary>The app to cluster: a built .dll as given, or a project folder built in Release first.</summary>
internal static class AppTarget
{
    /// <summary>The app's .dll, or why it cannot be clustered (the message names the path and the problem).</summary>
    public static async Task<(string? Dll, string? Problem)> ResolveAsync(string given, TextWriter progress)
    {
        var path = Path.GetFullPath(given);
        if (Directory.Exists(path))
        {
            if (Directory.GetFiles(path, "*.*proj").Length != 1)
                return (null, $"'{given}' is a folder without exactly one project file: give the app's .dll or its project folder");
            progress.WriteLine($"building {given} (Release) ...");
            var (built, output) = await DotnetAsync(path, "build", "-c", "Release", "-nologo", "-v", "q");
            if (!built) return (null, $"'dotnet build' of {given} failed:\n{output}");
            var (ok, targetPath) = await DotnetAsync(path, "msbuild", "-getProperty:TargetPath", "-p:Configuration=Release", "-nologo");
            if (!ok) return (null, $"could not find the built app of {given}:\n{targetPath}");
            path = targetPath.Trim();
        }
        return ClusterHosting.Problem(path) is { } problem ? (null, problem) : (path, null);
    }

    private static async Task<(bool Ok, string Output)> DotnetAsync(string cwd, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        // No build server may outlive this command.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode == 0, await stdout + await stderr);
    }
}
