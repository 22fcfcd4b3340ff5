using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>What appendix 09 must show, read from its executed outputs (cells by id).</summary>
[Collection(NotebookRun.Name)]
public class MeasureItYourselfChapterTests(ExecutedNotebooks run)
{
    private string Cell(string id) => run.CellOutput("09-measure-it-yourself", id);

    [Fact]
    public void Every_recorded_topic_is_read_with_its_machine_and_date_and_the_report_says_how_it_ran()
    {
        var output = Cell("debb9a82");
        foreach (var topic in new[] { "cluster-policies", "node-vs-ours", "availability", "rolling-restart", "worker-start", "load-runner" })
            Assert.Matches($@"{topic}\s+\d+ rows, recorded \d{{4}}-\d\d-\d\d, \d+ cores, .+, \.NET \d+\.\d+\.\d+, Node ", output);
        Assert.Matches(@"`report [^`]*`: took [\d.]+ min", output);
        // Each topic says the load it was recorded under, or that it is from an earlier run than the report.
        Assert.Matches(@"cluster-policies .*\n\s+measured by the report, which began at a load average of [\d.]+ \(1 min\) and ended at [\d.]+, on \d+ cores", output);
    }

    [Fact]
    public void Each_topic_is_plotted_with_its_ratios_and_says_it_is_recorded()
    {
        Assert.Matches(@"cluster of 2, round-robin\s+[\d,]+ req/s\s+\d+\.\d\d× plain Kestrel", Cell("75c4a5c3"));
        Assert.Matches(@"ours ÷ Node's = \d+\.\d\d", Cell("e38669cb"));
        Assert.Matches(@"Node: cluster ÷ one process = \d+\.\d\d", Cell("12c579b7"));
        Assert.Matches(@"failed of [\d,]+ requests, \d+ crashes, [\d.]+% succeeded \(summed over \d+ runs\)", Cell("2b8a75bd"));
        Assert.Matches(@"^recorded [^\n]*; (measured by the report, which began at a load average|not measured by the last report, which skipped this topic)", Cell("2b8a75bd"));
        Assert.Contains("the notes (their machine, one run): 17 failed of over 1,800 requests", Cell("2b8a75bd"));
        Assert.Matches(@"ours, abrupt exit mid-request: [\d,]+ failed of .*, \d+\.\d per crash", Cell("2b8a75bd"));
        Assert.DoesNotContain("/slow", Cell("2b8a75bd")); // the I/O rows have their own cell
        Assert.Matches(@"ours, hand-off limit adaptive: [\d,]+ req/s, \d+\s?% of no limit's", Cell("e5f8b2c3"));
        Assert.Matches(@"fork → listening, one worker at a time:\n  ours .*: median \d+ ms", Cell("73e56f09"));
        Assert.Matches(@"first window ÷ full speed:\n  cluster of 2, round-robin: median \d\.\d\d ratio", Cell("73e56f09"));
        Assert.Matches(@"ours ÷ wrk = \d+\.\d\d \(req/s\)", Cell("cbd3d83f"));
        foreach (var id in new[] { "75c4a5c3", "e38669cb", "2b8a75bd", "df8325ac", "73e56f09", "cbd3d83f" })
            Assert.Matches(@"^recorded \d{4}-\d\d-\d\d, \d+ cores", Cell(id));
        foreach (var id in new[] { "75c4a5c3", "e38669cb", "12c579b7", "2b8a75bd", "e5f8b2c3", "df8325ac", "9a1c3e55", "73e56f09", "d950768f", "cbd3d83f", "7b1d6a15" })
            Assert.Contains("data:image/png;base64,", Cell(id));
    }

    [Fact]
    public void Rolling_restarts_count_failed_requests_under_ab_and_socket_errors_under_wrk_apart()
    {
        var output = Cell("df8325ac");
        Assert.Matches(@"ab -r [^|]*\| ours, SIGUSR2 \(rolling restart with drain\): [\d,]+ failed of [\d,]+ requests, summed over \d+ runs", output);
        // wrk's column adds socket errors and non-2xx/3xx answers: it is named as such, never "failed" nor socket errors alone.
        Assert.Equal(3, Regex.Matches(output, @"^wrk [^|]*\| [^:]+: [\d,]+ wrk errors \(socket errors plus non-2xx/3xx answers, added up\)[^\n]*, summed over \d+ runs", RegexOptions.Multiline).Count);
        Assert.Matches(@"the two signals: [\d.]+ s and [\d.]+ s into each \d+ s run, [\d.]+ s apart", output);
        Assert.DoesNotMatch(new Regex(@"^wrk .*failed of", RegexOptions.Multiline), output);
    }

    [Fact]
    public void The_live_runs_measured_here_without_a_failure()
    {
        var live = Cell("b06d1548");
        Assert.Matches(@"live: one Kestrel process\s+[\d,]+ req/s, [\d,]+ ok, 0 failed", live);
        Assert.Matches(@"live: cluster of 2, round-robin\s+[\d,]+ req/s, [\d,]+ ok, 0 failed", live);
        Assert.Matches(@"live: Node cluster of 2\s+[\d,]+ req/s, [\d,]+ ok, 0 failed|skipped: Node's cluster — node is not on PATH", Cell("43ce70ea"));
        Assert.Matches(@"cluster of 2 ÷ one Kestrel process: recorded \d+\.\d\d \(\d{4}-\d\d-\d\d\), live \d+\.\d\d", Cell("7b1d6a15"));
    }

    [Fact]
    public void Every_check_passed()
    {
        var checks = Cell("f5442992");
        ExecutedNotebooks.AllChecksPassed(checks, 9);
    }
}
