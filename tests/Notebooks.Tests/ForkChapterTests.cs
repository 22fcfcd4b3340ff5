using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>What chapter 03 must show, read from its executed outputs.</summary>
[Collection(NotebookRun.Name)]
public class ForkChapterTests(ExecutedNotebooks run)
{
    private string Output(string sourceContains) => run.Output("03-fork-and-messages", sourceContains);

    [Fact]
    public void Parent_and_child_exchanged_messages_both_ways_and_the_child_left_on_disconnect()
    {
        var talk = Output("forked.Send(new { hello = \"world\" })");
        Assert.Contains("Message from parent: {\"hello\":\"world\"}", talk);   // printed by the child itself
        Assert.Contains("Message from child {\"counter\":0}", talk);
        Assert.Contains("Message from child {\"counter\":1}", talk);
        Assert.Contains("the child exited with code 0", Output("forked.Disconnect()"));
        Assert.Contains("read counters 0, 1, 2", Output("counterChild.Messages()"));
        Assert.Contains("fd 3 -> socket:[", Output("/proc/{peek.Pid}/fd/3"));
    }

    [Theory]
    [InlineData("oneThread", "one thread, work inline", true)]
    [InlineData("threadPool", "thread pool, work inline", false)]
    [InlineData("forkedWork", "one thread, work in a forked child", false)]
    public void The_three_latencies_were_measured_and_only_the_single_thread_blocked(string variable, string label, bool blocked)
    {
        var line = Output($"var {variable} = await Measure");
        var match = Regex.Match(line, $@"{Regex.Escape(label)}: .* \((?<busy>[\d,.]+) ms\), (?<n>\d+) probes took .* and (?<max>[\d,.]+) ms \(max\)");
        Assert.True(match.Success, line);
        var busy = double.Parse(match.Groups["busy"].Value.Replace(",", ""));
        var max = double.Parse(match.Groups["max"].Value.Replace(",", ""));
        Assert.True(int.Parse(match.Groups["n"].Value) >= 5);
        Assert.Equal(blocked, max > busy / 2);
    }

    [Fact]
    public void The_chart_and_the_cost_of_a_fork_were_shown_and_the_check_passed()
    {
        Assert.Contains("data:image/png;base64,", Output("Charts.Bars"));
        Assert.Matches(@"fork \+ start \+ first answer: [\d,]+ ms; memory of the child: \d+ kB", Output("forkRoundTrip"));
        var checks = Output("Check.That(fromChild");
        Assert.Equal(7, ExecutedNotebooks.PassedChecks(checks));
    }
}
