using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>What chapter 00 must show, read from its executed outputs.</summary>
[Collection(NotebookRun.Name)]
public class MeasuringChapterTests(ExecutedNotebooks run)
{
    private const string Chapter = "00-measuring";

    private string Cell(string id) => run.CellOutput(Chapter, id);

    private static double Number(string text, string pattern) =>
        double.Parse(Regex.Match(text, pattern).Groups[1].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void The_closed_run_shows_its_summary_table_and_chart()
    {
        var closed = Cell("9f6267dc");
        Assert.Contains("<tr><td>load</td><td>20 clients for 3 s, keep-alive</td></tr>", closed);
        Assert.Contains("<tr><td>failed</td><td>none</td></tr>", closed);
        Assert.Matches(@"<tr><td>by value</td><td>\d+: [\d,]+</td></tr>", closed);   // one X-Worker-Pid
        Assert.Contains("data:image/png;base64,", closed);
        Assert.Contains("finished: ", closed); // the progress view ended
    }

    [Fact]
    public void The_cpu_cost_of_a_request_is_measured_and_the_throughput_follows_from_it_and_the_share()
    {
        var cost = Cell("5b2f8c10");
        var perRequest = Number(cost, @"([\d.]+) ms of CPU per /compute");
        var whole = Number(cost, @"ceiling, with a core to itself: ([\d,]+) req/s");
        var share = Number(cost, @"it got ([\d]+) % of a core");
        var answered = Number(cost, @"answered ([\d,]+) req/s");
        Assert.InRange(perRequest, 0.05, 50);
        Assert.InRange(whole, 1000 / perRequest * 0.95, 1000 / perRequest * 1.05);
        Assert.InRange(share, 1, 101); // one thread: one core at most
        // throughput = the share (printed rounded to a whole percent) × what all cores could do
        Assert.InRange(answered, whole * (share - 0.6) / 100 * 0.98, whole * (share + 0.6) / 100 * 1.02);
    }

    [Fact]
    public void Above_capacity_a_queue_built_up_and_the_typical_answer_waited_far_longer_than_below()
    {
        var runs = Cell("a76bac03");
        double P50(string label) => Number(runs, $@"{Regex.Escape(label)}: [\d,]+ requests.* p50 ([\d,.]+) ms");
        Assert.True(P50("1.5 × the ceiling") > 5 * P50("half of capacity"), runs);
        Assert.Matches(@"1\.5 × the ceiling: p99 by second [\d,.]+ ms → [\d,.]+ ms → [\d,.]+ ms; p50 by second", runs);

        var backlog = Cell("8e41f0d6");
        Assert.True(Number(backlog, @"1\.5 × the ceiling: .* = ([\d.]+) s of work") > 0.5, backlog);
        Assert.Matches(@"the server kept computing for [\d.]+ s", backlog);
        Assert.Contains("data:image/png;base64,", Cell("d1667468"));
    }

    [Fact]
    public void The_words_are_shown_with_this_runs_counts()
    {
        var interrupted = Cell("6df2278c");
        Assert.Matches(@"[\d,]+ refused", interrupted);
        Assert.Contains("s server ended", interrupted);

        var words = Cell("0b7e4c93");
        var refused = Number(words, @"refused:\s+([\d,]+) of them");
        Assert.True(refused > 0, words);
        Assert.True(Number(words, @"failed:\s+([\d,]+) requests") >= refused);
        Assert.True(Number(words, @"unfinished:\s+([\d,]+) requests of the run above capacity") >= 0);
        Assert.Matches(@"socket errors: (wrk, on the same server in the same 3 s: wrk: [\d,]+ responses; [\d,]+ socket errors|wrk is not installed here)", words);
    }

    [Fact]
    public void The_check_cell_passed()
    {
        var checks = Cell("d0a72aa8");
        Assert.Equal(9, ExecutedNotebooks.PassedChecks(checks));
        Assert.DoesNotContain("✘", checks);
    }
}
