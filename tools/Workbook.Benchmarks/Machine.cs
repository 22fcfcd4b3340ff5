using System.Runtime.InteropServices;

namespace Workbook.Benchmarks;

/// <summary>What a benchmark ran on, and when: written into every row of the report's CSV files.</summary>
/// <param name="Node">Node's version (<c>v20.20.2</c>), or empty when <c>node</c> is not installed.</param>
public sealed record Machine(string Date, int Cores, string Os, string Dotnet, string Node)
{
    public static Machine Current(string? nodeVersion) => new(DateTime.UtcNow.ToString("yyyy-MM-dd"), Environment.ProcessorCount,
        RuntimeInformation.OSDescription, Environment.Version.ToString(), nodeVersion ?? "");

    /// <summary>The load average (1, 5 and 15 minutes) now: how busy the machine was with other work.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    public override string ToString() =>
        $"{Date}, {Cores} cores, {Os}, .NET {Dotnet}, Node {(Node.Length > 0 ? Node : "not installed")}";
}
