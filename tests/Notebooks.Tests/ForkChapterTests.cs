using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>What chapter 03 must show, read from its executed outputs.</summary>
[Collection(NotebookRun.Name)]
public class ForkChapterTests(ExecutedNotebooks run)
{
    private const string Chapter = "03-fork-and-messages";

    private string Cell(string id) => run.CellOutput(Chapter, id);

    [Fact]
    public void Parent_and_child_exchanged_messages_both_ways_and_the_child_left_on_disconnect()
    {
        var talk = Cell("72edf062"); // parent and MessageChild exchange messages
        Assert.Contains("Message from parent: {\"hello\":\"world\"}", talk);   // printed by the child itself
        Assert.Contains("Message from child {\"counter\":0}", talk);
        Assert.Contains("Message from child {\"counter\":1}", talk);
        Assert.Contains("the child exited with code 0", Cell("bc26d743")); // Disconnect() ends the child
        Assert.Contains("read counters 0, 1, 2", Cell("bb77e849")); // the messages as an async stream
        Assert.Contains("fd 3 -> socket:[", Cell("d3b4fe53")); // the child's fd 3 is the channel
    }

    [Fact]
    public void A_workbook_child_leaves_when_its_parent_disconnects_or_dies_and_a_Node_child_only_when_its_next_send_fails()
    {
        var dies = Cell("2c6f9a14");
        Assert.Matches(@"\.NET, MessageParent → MessageChild: parent \d+ killed \(SIGKILL\) [\d.]+ s after its start; its child \d+ was gone [\d,]+ ms later, and printed nothing on stderr", dies);
        var node = Cell("5e1b7c20");
        if (node.Contains("node is not on PATH")) return;
        Assert.Matches(@"the parent disconnected\nchild \d+ exited with code 1, signal null, [\d,]+ ms after the disconnect", node);
        Assert.Contains("the child's stderr: Error [ERR_IPC_CHANNEL_CLOSED]: Channel closed", node);
        Assert.Matches(@"Node, parent\.js → child\.js: parent \d+ killed \(SIGKILL\) [\d.]+ s after its start; its child \d+ was gone [\d,]+ ms later, after printing: Error \[ERR_IPC_CHANNEL_CLOSED\]", dies);
    }

    [Fact]
    public void Four_computations_were_measured_with_the_pool_as_it_starts_and_with_a_raised_minimum_and_the_verdict_follows()
    {
        var output = Cell("7f121d45");
        Assert.Contains("thread pool minimum: 8", output);
        double Max(string label) => double.Parse(Regex.Match(output, $@"{Regex.Escape(label)}: .* and ([\d,.]+) ms \(max\)").Groups[1].Value.Replace(",", ""),
            System.Globalization.CultureInfo.InvariantCulture);
        var ratio = Max("thread pool, four computations at once") / Max("the same, with the pool's minimum raised to 8 threads");
        var said = Regex.Match(output, @"a minimum of 8 threads: ([\d.]+|∞) — (.*)");
        Assert.True(said.Success, output);
        if (said.Groups[1].Value != "∞") Assert.InRange(double.Parse(said.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), ratio * 0.9 - 0.1, ratio * 1.1 + 0.1);
        if (Math.Abs(ratio - 2) > 0.1) Assert.Equal(ratio >= 2, said.Groups[2].Value.StartsWith("/ waited for a pool thread")); // printed values are rounded
    }

    [Theory]
    [InlineData("69e4bc6f", "one thread, work inline", true)]
    [InlineData("f86f8909", "thread pool, work inline", false)]
    [InlineData("c7a0c009", "one thread, work in a forked child", false)]
    [InlineData("3f8a61c2", "one thread, a pool of 2 forked children, four computations at once", false)]
    [InlineData("9a7c24e5", "one thread, work on a pool thread (Task.Run)", false)]
    public void The_latencies_were_measured_and_only_the_single_thread_with_inline_work_blocked(string cellId, string label, bool blocked)
    {
        var line = Cell(cellId);
        var match = Regex.Match(line, $@"{Regex.Escape(label)}: .* \((?<busy>[\d,.]+) ms\), (?<n>\d+) probes took .* and (?<max>[\d,.]+) ms \(max\)");
        Assert.True(match.Success, line);
        var busy = double.Parse(match.Groups["busy"].Value.Replace(",", ""));
        var max = double.Parse(match.Groups["max"].Value.Replace(",", ""));
        Assert.True(int.Parse(match.Groups["n"].Value) >= 5);
        Assert.Equal(blocked, max > busy / 2);
    }

    [Fact]
    public void Fork_per_request_started_a_child_and_the_pool_ran_four_computations_on_its_two_children()
    {
        Assert.Matches(@"/compute #1: computed by child \d+ \(forked for this request\)", Cell("c7a0c009"));

        var pool = Cell("3f8a61c2");
        var children = Regex.Match(pool, @"pool of 2 children: (\d+), (\d+)\)");
        Assert.True(children.Success, pool);
        var forkedAtStart = new[] { children.Groups[1].Value, children.Groups[2].Value };
        var computedBy = Regex.Matches(pool, @"/compute #\d: computed by child (\d+) of the pool").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(4, computedBy.Count);
        Assert.All(computedBy, pid => Assert.Contains(pid, forkedAtStart));
        Assert.Equal(2, Regex.Matches(pool, "after waiting [\\d,]+ ms for a free one").Count); // two had to wait
    }

    [Fact]
    public void The_chart_and_the_cost_of_a_fork_were_shown_and_the_check_passed()
    {
        Assert.Contains("data:image/png;base64,", Cell("89301b29"));
        Assert.Matches(@"fork \+ start \+ first answer: [\d,]+ ms; memory of the child: \d+ kB", Cell("c2f46760"));
        var checks = Cell("929a665c");
        ExecutedNotebooks.AllChecksPassed(checks, Cell("5e1b7c20").Contains("node is not on PATH") ? 10 : 11);
    }
}
