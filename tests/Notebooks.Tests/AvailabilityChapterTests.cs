using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>What chapter 05 must show, read from its executed outputs (by cell id).</summary>
[Collection(NotebookRun.Name)]
public class AvailabilityChapterTests(ExecutedNotebooks run)
{
    private string Cell(string id) => run.CellOutput("05-availability", id);

    private bool NodeRan => !Cell("8e1d4b60").Contains("node is not on the PATH");

    [Fact]
    public void The_handwritten_exit_handler_replaced_every_crashed_worker_on_the_timeline()
    {
        var output = Cell("fe9af25a");
        var counts = Regex.Match(output, @"crashes: (\d+); forked by the handler during and after the run: (\d+)");
        Assert.True(counts.Success, output);
        Assert.True(int.Parse(counts.Groups[1].Value) >= 1);
        Assert.Equal(counts.Groups[1].Value, counts.Groups[2].Value);
        Assert.Contains("data:image/png;base64,", output);
        var crashes = Regex.Matches(output, @"(\d+\.\d) s crash \d+").Select(m => double.Parse(m.Groups[1].Value)).ToList();
        Assert.NotEmpty(crashes);
        if (crashes.Min() < 6) Assert.Matches(@"\d+\.\d s up \d+", output); // a replacement listens within seconds, even on a busy machine
    }

    [Fact]
    public void The_counts_say_finished_and_unfinished_apart_beside_Node_and_the_notes()
    {
        var counts = Cell("32d1d989");
        Assert.Matches(@"ours: +\d+ crashes, [\d,]+ failed of [\d,]+ finished — [\d.]+% answered; (none unfinished|[\d,]+ unfinished \(in flight when the run stopped: neither ok nor failed\))", counts);
        Assert.Matches(NodeRan ? @"Node: +\d+ crashes, [\d,]+ failed of [\d,]+ finished" : @"Node, recorded \(", counts);
        Assert.Contains("the notes: 17 failed of about 1,800 — 99.1% answered", counts);
        Assert.Matches(@"ours, the primary counted \d+ lost \(connections its crashed workers had taken on and not answered\), the clients \d+ failed", counts);
        var gaps = Cell("0b6f2d31");
        Assert.Matches(@"ours, crash → new worker listening: .+; median \d+ ms, recorded fork → listening \d+ ms: (not )?shorter than recorded", gaps);
        if (NodeRan) Assert.Matches(@"ours ÷ Node's, medians: here [\d.]+, recorded [\d.]+", gaps);
        Assert.Matches(@"the recording run: .*load average before [\d.]+", gaps); // the record's conditions, beside this machine's
        Assert.Matches(@"here, now: load average [\d.]+ \(1 min\) on \d+ cores", gaps);
        if (NodeRan) Assert.Matches(@"\d+\.\d s crash \d+", Cell("8e1d4b60"));
    }

    [Fact]
    public void Without_restarts_the_port_closed_and_clients_were_refused()
    {
        Assert.Contains("workers left at the end: 0", Cell("11656903"));
        Assert.Matches(@"never restarted, failed by reason: [\d,]+ refused", Cell("e93970e0"));
        Assert.Contains("data:image/png;base64,", Cell("e93970e0"));
    }

    [Fact]
    public void The_hand_off_limit_bounded_the_cost_of_an_abrupt_crash_and_lost_matched_failed()
    {
        var byLimit = Cell("4b7e21d9");
        foreach (var limit in new[] { "adaptive", "32", "none" })
        {
            var line = Regex.Match(byLimit, $@"limit +{limit}: +[\d,]+ ok, +\d+ failed, +\d+ unfinished; \d+ crashes, [\d.]+ failed per crash on average; the primary: \d+ lost, at most (\d+) in one crash, \d+ handed on; the workers' limits: (none|median \d+ \(from \d+ to \d+\))");
            Assert.True(line.Success, byLimit);
            Assert.Matches($@"limit {limit}: the primary counted \d+ lost .*the clients \d+ failed: (the same requests|.+unfinished)", byLimit);
        }
        Assert.InRange(int.Parse(Regex.Match(byLimit, @"limit +32: .*at most (\d+) in one crash").Groups[1].Value), 0, 32); // no crash loses more than the limit
        Assert.Contains("the workers' limits: median 32 (from 32 to 32)", byLimit);
        Assert.Contains("data:image/png;base64,", byLimit);
    }

    [Fact]
    public void Waiting_on_io_the_adaptive_limit_kept_the_rate_a_fixed_32_caps_and_the_record_says_the_same()
    {
        var waiting = Cell("d7b2e9f4");
        foreach (var limit in new[] { "adaptive", "32", "none" })
            Assert.Matches($@"limit +{limit}: +[\d,]+ req/s, +\d+% of no limit's, 0 failed; the workers' limits: (none|median \d+ \(from \d+ to \d+\))", waiting);
        var recorded = Cell("1e6b9f84");
        Assert.Contains("what else that machine was doing is not recorded", recorded);
        foreach (var limit in new[] { "adaptive", "1", "2", "8", "32", "none" })
            Assert.Matches($@"\n *{limit} +[\d,]+ req/s +[\d,]+ req/s +[\d.]+", recorded);
        foreach (var limit in new[] { "adaptive", "32" })
            Assert.Matches($@"limit {limit}: the I/O-bound handler kept \d+% of its rate without a limit, the CPU-bound loop \d+%", recorded);
    }

    [Fact]
    public void The_crash_loop_backed_off_gave_up_and_the_fix_refilled_the_place()
    {
        var loop = Cell("68ea044b");
        Assert.Contains("5 replacements: 1 at once (the crash came after a stable life), then 4 restarts after unstable crashes, waiting 100 → 200 → 400 → 800 ms", loop);
        Assert.Contains("(GaveUp: 4 restarts after unstable crashes)", loop);
        // The primary's log says the same: the place (not one worker) crashed five times, four restarts were tried.
        Assert.Matches(@"worker 7 \(pid \d+\) crashed soon after its start too: unstable crash 5 in a row in its place, and the 4 restarts after such crashes \(MaxUnstableRestarts\) have not helped\. No more restarts for its place", loop);
        Assert.Contains("restart 4 of at most 4 in 800 ms", loop);
        ExecutedNotebooks.AllChecksPassed(Cell("7e881413"), 13);
        ExecutedNotebooks.AllChecksPassed(Cell("b8c4d0e6"), 3);
    }
}
