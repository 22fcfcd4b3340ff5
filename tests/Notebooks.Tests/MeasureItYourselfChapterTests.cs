using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>What appendix 09 must show, read from its executed outputs.</summary>
[Collection(NotebookRun.Name)]
public class MeasureItYourselfChapterTests(ExecutedNotebooks run)
{
    private string Output(string sourceContains) => run.Output("09-measure-it-yourself", sourceContains);

    [Fact]
    public void Every_recorded_topic_is_read_with_its_machine_and_date()
    {
        var output = Output("var recorded = topics.ToDictionary(");
        foreach (var topic in new[] { "cluster-policies", "node-vs-ours", "availability", "rolling-restart", "worker-start", "load-runner" })
            Assert.Matches($@"{topic}\s+\d+ rows, recorded \d{{4}}-\d\d-\d\d, \d+ cores, .+, \.NET \d+\.\d+\.\d+, Node ", output);
    }

    [Fact]
    public void Each_topic_is_plotted_with_its_ratios()
    {
        Assert.Matches(@"cluster of 2, round-robin\s+[\d,]+ req/s\s+\d+\.\d\d× plain Kestrel", Output("var policies = recorded["));
        Assert.Matches(@"ours ÷ Node's = \d+\.\d\d", Output("var node = recorded["));
        Assert.Matches(@"Node: cluster ÷ one process = \d+\.\d\d", Output("var loop = node.Scenarios"));
        Assert.Matches(@"failed of [\d,]+ requests, \d+ crashes", Output("var availability = recorded["));
        Assert.Matches(@"ours, SIGUSR2 \(rolling restart with drain\): [\d,]+ failed of", Output("var rolling = recorded["));
        Assert.Matches(@"fork → listening, one worker at a time: ours .*: median \d+ ms", Output("var start = recorded["));
        Assert.Matches(@"ours ÷ wrk = \d+\.\d\d \(req/s\)", Output("var runner = recorded["));
        foreach (var cell in new[] { "var policies = recorded[", "var node = recorded[", "var loop = node.Scenarios", "var availability = recorded[",
                     "var rolling = recorded[", "var start = recorded[", "var forkScenario", "var runner = recorded[", "var recordedClusterRatio" })
            Assert.Contains("data:image/png;base64,", Output(cell));
    }

    [Fact]
    public void The_live_runs_measured_here_without_a_failure()
    {
        var live = Output("var live = new List<LoadResult>()");
        Assert.Matches(@"live: one Kestrel process\s+[\d,]+ req/s, [\d,]+ ok, 0 failed", live);
        Assert.Matches(@"live: cluster of 2, round-robin\s+[\d,]+ req/s, [\d,]+ ok, 0 failed", live);
        var node = Output("bool OnPath(string tool)");
        Assert.Matches(@"live: Node cluster of 2\s+[\d,]+ req/s, [\d,]+ ok, 0 failed|skipped: Node's cluster — node is not on PATH", node);
        Assert.Matches(@"cluster of 2 ÷ one Kestrel process: recorded \d+\.\d\d, live \d+\.\d\d", Output("var recordedClusterRatio"));
    }

    [Fact]
    public void Every_check_passed()
    {
        var checks = Output("Check.Equal(topics.Length");
        Assert.Equal(6, ExecutedNotebooks.PassedChecks(checks));
        Assert.DoesNotMatch(new Regex("✘"), checks);
    }
}
