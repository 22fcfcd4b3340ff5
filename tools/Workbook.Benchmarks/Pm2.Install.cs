using Workbook.Processes;

namespace Workbook.Notebooks;

/// <summary>The benchmarks' part of <see cref="Pm2"/> (lib/Workbook.Notebooks/Pm2.cs): PM2 from npm, pinned.</summary>
public sealed partial class Pm2
{
    public const string PinnedVersion = "7.0.4";

    /// <summary>Installs PM2 under the benchmark's output folder once (npm), or returns null when npm is missing.</summary>
    public static async Task<string?> InstallAsync()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "pm2");
        var bin = Path.Combine(dir, "node_modules", ".bin", "pm2");
        if (File.Exists(bin)) return bin;
        try
        {
            Console.WriteLine($"installing pm2@{PinnedVersion} with npm into {dir}");
            await ChildProcess.ExecFileAsync("npm", ["install", "--prefix", dir, "--no-audit", "--no-fund", $"pm2@{PinnedVersion}"],
                new ExecOptions { Timeout = TimeSpan.FromMinutes(5), MaxBuffer = 16 * 1024 * 1024 });
            return bin;
        }
        catch (Exception e) when (e is SpawnException or ExecException)
        {
            Console.Error.WriteLine($"pm2 not available: {e.Message}");
            return null;
        }
    }
}
