namespace Workbook.Notebooks.Tests;

public class BenchmarkTableTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("wb-benchmark-table-").FullName;

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name + ".csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Reads_quoted_fields_escaped_quotes_empty_fields_and_crlf_lines()
    {
        var path = Write("node-vs-ours",
            "date,cores,os,dotnet,node,scenario,server,requests_per_second,note,rounds,seconds\r\n" +
            "2026-11-27,2,Debian,10.0.12,v20.20.2,\"hello-world, ab -c200\",\"Node \"\"cluster\"\" of 2\",4675.56,,3,10\r\n" +
            "2026-11-27,2,Debian,10.0.12,,\"the notes' loop\",ours,465,\"two\nlines\",3,10\r\n");

        var table = BenchmarkTable.Read(path);

        Assert.Equal("node-vs-ours", table.Topic);
        Assert.Equal(2, table.Rows.Count);
        Assert.Equal(["hello-world, ab -c200", "the notes' loop"], table.Scenarios);
        Assert.Equal("Node \"cluster\" of 2", table.Rows[0].Server);
        Assert.Equal(4675.56, table.Value("hello-world, ab -c200", "Node \"cluster\" of 2", "requests_per_second"));
        Assert.True(double.IsNaN(table.Rows[0].Number("note")));
        Assert.Equal("two\nlines", table.Rows[1]["note"]);
        Assert.Equal("10", table.Rows[1]["seconds"]);
        Assert.True(double.IsNaN(table.Value("no such scenario", "ours", "requests_per_second")));
        Assert.Equal("2026-11-27, 2 cores, Debian, .NET 10.0.12, Node v20.20.2; 3 rounds of 10 s", table.Machine);
        Assert.Equal("2026-11-27", table.Date);
    }

    [Fact]
    public void The_report_notes_are_how_it_ran_a_note_and_every_skipped_topic()
    {
        var report = Path.Combine(_folder, "report.md");
        File.WriteAllText(report,
            "Performance report — 2026-11-27, 2 cores\n`report --seconds 10 --rounds 3`: took 19.0 min; load average before 1 2 3\n" +
            "Note: a build ran meanwhile\n\n### Plain Kestrel (`cluster-policies.csv`)\n\n| a | b |\n\n### Skipped\n\n" +
            "- Availability under random crashes: failed: ab exited\n- Worker start: node is not installed\n");

        Assert.Equal(["`report --seconds 10 --rounds 3`: took 19.0 min; load average before 1 2 3", "Note: a build ran meanwhile",
                      "skipped Availability under random crashes: failed: ab exited", "skipped Worker start: node is not installed"],
            BenchmarkTable.ReportNotes(report));
    }

    [Fact]
    public void A_topic_is_recorded_under_the_reports_load_unless_the_report_skipped_it()
    {
        var report = Path.Combine(_folder, "report.md");
        File.WriteAllText(report,
            "Performance report — 2026-11-27, 2 cores, Debian\n`report --seconds 10 --rounds 3`: took 19.0 min; load average before 20.14 19.32 20.24, " +
            "after 5.20 5.60 10.04.\n\n### Plain Kestrel (`cluster-policies.csv`)\n\n| a | b |\n\n### Skipped\n\n- Availability under random crashes: failed\n");

        Assert.Equal("measured by the report, which began at a load average of 20.14 (1 min) and ended at 5.20, on 2 cores",
            BenchmarkTable.RecordedUnder(report, "cluster-policies"));
        Assert.StartsWith("not measured by the last report, which skipped this topic", BenchmarkTable.RecordedUnder(report, "availability"));
    }

    [Fact]
    public void A_row_with_another_field_count_a_missing_column_and_a_non_number_are_named()
    {
        var ragged = Write("ragged", "date,scenario,server\n2026-11-27,a\n");
        Assert.Contains("a row has 2 fields, the header 3", Assert.Throws<FormatException>(() => BenchmarkTable.Read(ragged)).Message);
        Assert.Contains("is empty", Assert.Throws<FormatException>(() => BenchmarkTable.Read(Write("empty", ""))).Message);

        var row = BenchmarkTable.Read(Write("ok", "scenario,server,failed\nx,ours,many\n")).Rows.Single();
        Assert.Contains("Column 'failed' holds 'many'", Assert.Throws<FormatException>(() => row.Number("failed")).Message);
        Assert.Contains("the columns are scenario, server, failed", Assert.Throws<KeyNotFoundException>(() => row["requests"]).Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
