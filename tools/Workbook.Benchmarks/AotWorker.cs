using Workbook.Processes;

namespace Workbook.Benchmarks;

/// <summary>
/// examples/Cluster published as Native AOT (into artifacts/aot/Cluster), for the rows that measure what a native
/// worker changes: start, warm-up and memory. Publishing has no library to call (it is the SDK's publish target), so
/// it runs <c>dotnet publish</c>; Native AOT links with clang, from Debian's packages.
/// </summary>
internal static class AotWorker
{
    /// <summary>The executable, or null and why there is none.</summary>
    public static async Task<(string? Executable, string Why)> PublishAsync()
    {
        var clang = new[] { "clang", "clang-19", "clang-18", "clang-17", "clang-16", "clang-15", "clang-14" }.FirstOrDefault(ExternalTools.IsInstalled);
        if (clang is null) return (null, "no clang on PATH, which Native AOT links with (Debian: apt-get install clang)");
        var dll = ExamplePaths.Dll("Cluster"); // artifacts/bin/Cluster/<configuration>/Cluster.dll
        var root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(dll)!, "..", "..", "..", ".."));
        var output = Path.Combine(root, "artifacts", "aot", "Cluster");
        Console.WriteLine($"  publishing examples/Cluster as Native AOT (with {clang}) into {output}");
        try
        {
            await ChildProcess.ExecFileAsync("dotnet",
                ["publish", Path.Combine(root, "examples", "Cluster", "Cluster.csproj"), "-c", "Release", "-p:PublishAot=true", $"-p:CppCompilerAndLinker={clang}", "-o", output],
                new ExecOptions { Timeout = TimeSpan.FromMinutes(10), MaxBuffer = 16 * 1024 * 1024 });
        }
        catch (ExecException e)
        {
            var last = string.Join(" / ", (e.Stdout + e.Stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3));
            return (null, $"dotnet publish -p:PublishAot=true failed: {last}");
        }
        var executable = Path.Combine(output, "Cluster");
        return File.Exists(executable) ? (executable, "") : (null, $"dotnet publish wrote no {executable}");
    }
}
