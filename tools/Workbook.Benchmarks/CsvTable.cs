using System.Globalization;
using System.Text;
using CsvHelper;

namespace Workbook.Benchmarks;

/// <summary>
/// One topic of the report: tidy rows (one per measurement), written as <c>TOPIC.csv</c> with the machine and date in
/// every row (CsvHelper does the quoting), and shown as a Markdown table.
/// </summary>
public sealed class CsvTable(string topic, params string[] metrics)
{
    private static readonly string[] MachineColumns = ["date", "cores", "os", "dotnet", "node"];
    private readonly List<(string Scenario, string Server, string[] Values)> _rows = [];

    public string Topic => topic;
    public int Count => _rows.Count;

    /// <summary>One measurement: <paramref name="values"/> in the order of the metric columns (null: not measured).</summary>
    public void Add(string scenario, string server, params object?[] values)
    {
        if (values.Length != metrics.Length) throw new ArgumentException($"{topic}: {metrics.Length} values expected, got {values.Length}.", nameof(values));
        _rows.Add((scenario, server, values.Select(Format).ToArray()));
    }

    /// <summary>Writes <c>TOPIC.csv</c> into <paramref name="outDir"/>: machine, topic, scenario, server, metrics, rounds, seconds.</summary>
    public string Write(string outDir, Machine machine, int rounds, int seconds)
    {
        Directory.CreateDirectory(outDir);
        var path = Path.Combine(outDir, topic + ".csv");
        using (var csv = CsvWriter.ToFile(path, null, FileOptions.None))
        {
            csv.WriteRecord([.. MachineColumns, "topic", "scenario", "server", .. metrics, "rounds", "seconds"]);
            foreach (var (scenario, server, values) in _rows)
                csv.WriteRecord([machine.Date, Format(machine.Cores), machine.Os, machine.Dotnet, machine.Node, topic, scenario, server, .. values,
                    Format(rounds), Format(seconds)]);
        }
        return path;
    }

    /// <summary>The rows as a Markdown table (without the machine columns, which the report's header names once).</summary>
    public string Markdown()
    {
        var md = new StringBuilder();
        md.AppendLine($"| scenario | server | {string.Join(" | ", metrics)} |");
        md.AppendLine($"|---|---|{string.Concat(metrics.Select(_ => "---:|"))}");
        foreach (var (scenario, server, values) in _rows) md.AppendLine($"| {scenario} | {server} | {string.Join(" | ", values)} |");
        return md.ToString();
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        double d => double.IsFinite(d) ? d.ToString("0.###", CultureInfo.InvariantCulture) : "",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
