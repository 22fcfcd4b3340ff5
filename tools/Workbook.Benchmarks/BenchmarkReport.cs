using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Workbook.Benchmarks;

/// <summary>Writes a benchmark's report (<c>NAME.md</c>) and its numbers (<c>NAME.json</c>), and prints the report.</summary>
public static class BenchmarkReport
{
    /// <param name="settings">What the run was given (rounds, repetitions, tools found), written beside the results.</param>
    /// <param name="resultsKey">The JSON property that holds <paramref name="results"/>.</param>
    public static int Write(string outDir, string name, StringBuilder report, IReadOnlyDictionary<string, object?> settings, object results,
        string resultsKey = "results")
    {
        var json = new Dictionary<string, object?>
        {
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd"),
            ["cores"] = Environment.ProcessorCount,
            ["runtime"] = RuntimeInformation.FrameworkDescription,
        };
        foreach (var (key, value) in settings) json[key] = value;
        json[resultsKey] = results;

        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, name + ".md"), report.ToString());
        File.WriteAllText(Path.Combine(outDir, name + ".json"),
            JsonSerializer.Serialize(json, new JsonSerializerOptions(JsonSerializerOptions.Web) { WriteIndented = true }) + "\n");
        Console.WriteLine();
        Console.WriteLine(report);
        Console.WriteLine($"written to {Path.GetFullPath(outDir)}");
        return 0;
    }
}
