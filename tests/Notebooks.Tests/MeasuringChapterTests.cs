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

    /// <summary>"computing 61 %, waiting for a core 18 %, idle 21 %" after <paramref name="prefix"/> (a pattern).</summary>
    private static (int Computing, int Waiting, int Idle) LoopShares(string text, string prefix)
    {
        var m = Regex.Match(text, prefix + @": computing (\d+) ?%, waiting for a core (\d+) ?%, idle (\d+) ?% of [\d.]+ s");
        Assert.True(m.Success, text);
        return (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value));
    }

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
    public void The_cpu_cost_of_a_request_is_measured_and_the_throughput_follows_from_it_and_how_the_loop_spent_the_run()
    {
        var cost = Cell("5b2f8c10");
        var perRequest = Number(cost, @"([\d.]+) ms of CPU per /compute");
        var whole = Number(cost, @"ceiling, with a core to itself: ([\d,]+) req/s");
        Assert.InRange(perRequest, 0.05, 50);
        Assert.InRange(whole, 1000 / perRequest * 0.95, 1000 / perRequest * 1.05);
        var (computing, waiting, idle) = LoopShares(cost, "during the 3 s of load, the loop");
        Assert.InRange(computing + waiting + idle, 98, 102); // each rounded to a whole percent
        // throughput = the part of the time the loop computed × what it could do with a core to itself
        var expected = Number(cost, @"of the ceiling is ([\d,]+) req/s");
        var answered = Number(cost, @"the run answered ([\d,]+) req/s");
        Assert.InRange(expected, whole * (computing - 0.6) / 100, whole * (computing + 0.6) / 100);
        Assert.InRange(answered, expected * 0.95, expected * 1.05);
    }

    [Fact]
    public void Above_capacity_a_queue_built_up_and_the_typical_answer_waited_far_longer_than_below()
    {
        var runs = Cell("a76bac03");
        double P50(string label) => Number(runs, $@"{Regex.Escape(label)}: [\d,]+ requests.* p50 ([\d,.]+) ms");
        Assert.True(P50("1.5 × the ceiling") > 5 * P50("half of capacity"), runs);
        Assert.Matches(@"1\.5 × the ceiling: p99 by second [\d,.]+ ms → [\d,.]+ ms → [\d,.]+ ms; p50 by second", runs);
        Assert.Matches(@"the loop by second: computing \d+ ?% · \d+ ?% · \d+ ?%; waiting for a core \d+ ?% · \d+ ?% · \d+ ?%", runs);

        var backlog = Cell("8e41f0d6");
        Assert.True(Number(backlog, @"1\.5 × the ceiling: .* = ([\d.]+) s of work") > 0.5, backlog);
        // What waited when the load stopped = answered in the end grace + unfinished (the word's definition).
        var waiting = Number(backlog, @"of the ([\d,]+) waiting when the load stopped");
        var inGrace = Number(backlog, @"([\d,]+) were answered before the run ended");
        var unfinished = Number(backlog, @"([\d,]+) were still in flight then: unfinished");
        Assert.Equal(waiting, inGrace + unfinished);
        Assert.Equal(unfinished, Number(Cell("0b7e4c93"), @"unfinished:\s+([\d,]+) requests of the run above capacity, still in flight when the run ended"));
        Assert.Matches(@"after the load stopped, the loop had work for [\d.]+ s more .*: [\d.]+ s of CPU until the run ended, then [\d.]+ s — enough for at most [\d,]+ of the [\d,]+ unfinished requests", backlog);
        Assert.Contains("data:image/png;base64,", Cell("d1667468"));
    }

    [Fact]
    public void The_rate_above_capacity_is_set_beside_the_closed_runs_with_a_verdict_that_follows_the_loops_shares()
    {
        var compared = Cell("c4e9a1b7");
        var closed = Number(compared, @"closed, 20 clients: ([\d,]+) req/s");
        var above = Number(compared, @"1\.5 × the ceiling:\s+([\d,]+) req/s answered within its 3 s");
        var ratio = Number(compared, @"above capacity ÷ closed: ([\d.]+) — ");
        Assert.InRange(ratio, above / closed - 0.01, above / closed + 0.01);
        // The chapter decides on the unrounded rates; the printed ones can fall either side of 5 % at the boundary.
        var atBoundary = Math.Abs(Math.Abs(above / closed - 1) - 0.05) < 0.005;
        if (atBoundary) Assert.Matches("within 5%, noise by this chapter's rule|computed less of its time", compared);
        else if (Math.Abs(above / closed - 1) <= 0.05) Assert.Contains("within 5%, noise by this chapter's rule", compared);
        else
        {
            var less = ratio < 1 ? "open" : "closed";
            var said = Regex.Match(compared, $@"the {less} run's loop computed less of its time \((\d+) ?% against (\d+) ?%\), and lost the difference mostly to (being idle|waiting for a core)");
            Assert.True(said.Success, compared);
            Assert.True(int.Parse(said.Groups[1].Value) <= int.Parse(said.Groups[2].Value), compared);
        }
        Assert.Equal(LoopShares(Cell("5b2f8c10"), "during the 3 s of load, the loop"), LoopShares(compared, "closed, 20 clients: [\\d,]+ req/s; the loop"));
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
        Assert.True(Number(words, @"unfinished:\s+([\d,]+) requests of the run above capacity, still in flight when the run ended, after its end grace") >= 0);
        Assert.Matches(@"socket errors: (wrk, on the same server in the same 3 s: wrk: [\d,]+ responses; [\d,]+ socket errors|wrk is not installed here)", words);
        // The recorded count is read from the benchmark's CSV, with how many runs it adds up.
        var row = File.ReadLines(Path.Combine(ExecutedNotebooks.RepositoryRoot, "data", "benchmarks", "rolling-restart.csv"))
            .Single(l => l.Contains(",wrk ") && l.Contains("Node cluster")).Split(',');
        Assert.Contains($"recorded ({row[0]}): {long.Parse(row[10]):N0} in {row[8]} runs of `wrk ", words);
    }

    [Fact]
    public void The_check_cell_passed()
    {
        var checks = Cell("d0a72aa8");
        ExecutedNotebooks.AllChecksPassed(checks, 10);
    }
}
