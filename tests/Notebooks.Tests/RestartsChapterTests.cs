using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>What chapter 06 must show, read from its executed outputs (by cell id).</summary>
[Collection(NotebookRun.Name)]
public class RestartsChapterTests(ExecutedNotebooks run)
{
    private string Cell(string id) => run.CellOutput("06-zero-downtime-restarts", id);

    private bool NodeRan => !Cell("0d4a6b38").Contains("node is not on the PATH");

    [Theory]
    [InlineData("3c5f8e02", "two rolling restarts, new connection per request")]
    [InlineData("223edbaf", "two rolling restarts, keep-alive")]
    public void Two_rolling_restarts_under_load_failed_nothing(string cell, string label)
    {
        var output = Cell(cell);
        Assert.Matches($@"{label}: [\d,]+ requests in [\d.]+ s, 0 failed, \d+ unfinished; restarts took [\d.]+ s and [\d.]+ s and replaced 4 workers \(2 \+ 2\); pids \d+, \d+ → \d+, \d+; fewest workers serving: 2", output);
        Assert.Contains("data:image/png;base64,", output);
        Assert.Matches(@"\d+\.\d s restart 2", output);
    }

    [Fact]
    public void Without_the_drain_keep_alive_clients_saw_failed_requests_and_the_chart_shows_failures()
    {
        var output = Cell("9fccd415");
        var failed = Regex.Match(output, @"keep-alive, no drain: [\d,]+ requests in [\d.]+ s, (\d+) failed");
        Assert.True(failed.Success && int.Parse(failed.Groups[1].Value) > 0, output);
        Assert.Matches(@"failed by reason: [\d,]+ reset", output);
        Assert.Contains("data:image/png;base64,", Cell("4a8d2e60"));
    }

    [Fact]
    public void Node_ran_the_notes_restartWorker_under_the_same_loads()
    {
        var output = Cell("0d4a6b38");
        if (!NodeRan)
        {
            Assert.Matches(@"Node, recorded \(", Cell("4a8d2e60"));
            return;
        }
        Assert.Matches(@"Node: two SIGUSR2 restarts, new connection per request: [\d,]+ requests, [\d,]+ failed \(.+\), \d+ unfinished; workers replaced during the run: [2-4] of 4 — restart 1: \d of 2 old workers exited.*; restart 2: \d of 2 old workers exited", output);
        Assert.Matches(@"Node: two SIGUSR2 restarts, keep-alive: [\d,]+ requests, [\d,]+ failed \(.+\), \d+ unfinished; workers replaced during the run: \d of 4 — restart 1: \d of 2 old workers exited.*; restart 2: \d of 2 old workers exited", output);
        Assert.Contains("Debugger listening on", Cell("2e9d7a15"));
    }

    [Fact]
    public void A_second_restart_joined_the_first_and_SIGUSR2_restarted_the_example()
    {
        Assert.Contains("second call joined the first: True; workers replaced: 2; calls folded in: 1", Cell("6b010bbc"));
        var signalled = Cell("b301a50c");
        Assert.Equal(2, Regex.Matches(signalled, @"^Exited process \d+", RegexOptions.Multiline).Count);
        Assert.Contains("SIGTERM: stopping the workers", signalled);
        Assert.Contains("primary exited with", signalled);
        var checks = Cell("e3f20f4a");
        ExecutedNotebooks.AllChecksPassed(checks, NodeRan ? 15 : 14);
    }
}
