using System.Text;

namespace Workbook.Notebooks;

/// <summary>
/// A recorded benchmark topic (<c>data/benchmarks/TOPIC.csv</c>, written by <c>tools/Workbook.Benchmarks report</c>):
/// one row per measurement, each with the machine and date it was measured on. The CSV reader is hand-written: the
/// notebook kernel loads this library by path, so each package it used would be one more <c>#r "nuget: …"</c> in
/// every chapter.
/// </summary>
public sealed class BenchmarkTable
{
    private BenchmarkTable(string topic, IReadOnlyList<BenchmarkRow> rows) => (Topic, Rows) = (topic, rows);

    /// <summary>The file's name without <c>.csv</c>, e.g. <c>cluster-policies</c>.</summary>
    public string Topic { get; }

    /// <summary>The measurements, in the file's order.</summary>
    public IReadOnlyList<BenchmarkRow> Rows { get; }

    /// <summary>Where and when the rows were measured, from the first: date, cores, OS, .NET and Node versions.</summary>
    public string Machine => Rows.Count == 0 ? "no rows" :
        $"{Rows[0]["date"]}, {Rows[0]["cores"]} cores, {Rows[0]["os"]}, .NET {Rows[0]["dotnet"]}, " +
        $"Node {(Rows[0]["node"].Length > 0 ? Rows[0]["node"] : "not installed")}; {Rows[0]["rounds"]} rounds of {Rows[0]["seconds"]} s";

    /// <summary>The day the first row was measured (<c>2026-11-27</c>), for the titles of charts of recorded numbers.</summary>
    public string Date => Rows.Count == 0 ? "no rows" : Rows[0]["date"];

    /// <summary>The scenarios, in the order they were measured.</summary>
    public IReadOnlyList<string> Scenarios => Rows.Select(r => r.Scenario).Distinct().ToList();

    /// <summary>The servers (or tools), in the order they were measured.</summary>
    public IReadOnlyList<string> Servers => Rows.Select(r => r.Server).Distinct().ToList();

    /// <summary>One number: <paramref name="column"/> of the row for this scenario and server; NaN when there is none.</summary>
    public double Value(string scenario, string server, string column) =>
        Rows.FirstOrDefault(r => r.Scenario == scenario && r.Server == server)?.Number(column) ?? double.NaN;

    /// <summary>
    /// What <c>report.md</c> says about how the report ran: the line with its options, duration and load average, a
    /// note if one was given, and each topic it skipped (that topic's CSV is then from an earlier run).
    /// </summary>
    public static IReadOnlyList<string> ReportNotes(string reportMd)
    {
        var lines = File.ReadAllLines(reportMd);
        var skipped = lines.SkipWhile(l => !l.StartsWith("### Skipped", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(l => !l.StartsWith('#')).Where(l => l.StartsWith("- ", StringComparison.Ordinal)).Select(l => "skipped " + l[2..]);
        return [.. lines.Where(l => l.Contains(": took ", StringComparison.Ordinal) || l.StartsWith("Note:", StringComparison.Ordinal)), .. skipped];
    }

    /// <summary>
    /// Under what load <paramref name="topic"/>'s rows were measured, from <c>report.md</c>: e.g. "measured by the
    /// report, which began at a load average of 20.14 (1 min) and ended at 5.20, on 2 cores". A topic that report
    /// skipped has no section there: its CSV is from an earlier run, whose load was not recorded, and the text says so.
    /// </summary>
    public static string RecordedUnder(string reportMd, string topic)
    {
        var text = File.ReadAllText(reportMd);
        if (!text.Contains($"(`{topic}.csv`)", StringComparison.Ordinal))
            return "not measured by the last report, which skipped this topic: these rows are from an earlier run of it, whose load average was not recorded";
        var load = System.Text.RegularExpressions.Regex.Match(text, @"load average before ([\d.]+) [\d.]+ [\d.]+, after ([\d.]+)");
        var cores = System.Text.RegularExpressions.Regex.Match(text, @", (\d+) cores,");
        return load.Success
            ? $"measured by the report, which began at a load average of {load.Groups[1].Value} (1 min) and ended at {load.Groups[2].Value}" +
              (cores.Success ? $", on {cores.Groups[1].Value} cores" : "")
            : "measured by the report (its load average was not recorded)";
    }

    /// <summary>Reads <c>TOPIC.csv</c>: a header, then one row per measurement.</summary>
    /// <exception cref="FormatException">The file is empty, or a row has another number of fields than the header.</exception>
    public static BenchmarkTable Read(string path)
    {
        var records = Parse(File.ReadAllText(path)).ToList();
        if (records.Count == 0) throw new FormatException($"{path} is empty: no header.");
        var header = records[0];
        var rows = records.Skip(1).Where(r => r.Count > 1 || r[0].Length > 0).Select(r =>
            r.Count == header.Count ? new BenchmarkRow(header.Zip(r).ToDictionary(p => p.First, p => p.Second))
            : throw new FormatException($"{path}: a row has {r.Count} fields, the header {header.Count}.")).ToList();
        return new BenchmarkTable(Path.GetFileNameWithoutExtension(path), rows);
    }

    /// <summary>RFC 4180 records: fields separated by commas, quoted when they hold a comma, quote or line break.</summary>
    private static IEnumerable<List<string>> Parse(string text)
    {
        var record = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"') field.Append(text[++i]);
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { record.Add(field.ToString()); field.Clear(); }
            else if (c == '\n')
            {
                record.Add(field.ToString().TrimEnd('\r'));
                field.Clear();
                yield return record;
                record = [];
            }
            else field.Append(c);
        }
        if (field.Length > 0 || record.Count > 0)
        {
            record.Add(field.ToString());
            yield return record;
        }
    }
}
