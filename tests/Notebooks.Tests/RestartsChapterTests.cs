using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>What chapter 06 must show, read from its executed outputs.</summary>
[Collection(NotebookRun.Name)]
public class RestartsChapterTests(ExecutedNotebooks run)
{
    private string Output(string sourceContains) => run.Output("06-zero-downtime-restarts", sourceContains);

    [Theory]
    [InlineData("var newConnections = await", "two rolling restarts, new connection per request")]
    [InlineData("var keepAlive = await", "two rolling restarts, keep-alive")]
    public void Two_rolling_restarts_under_load_failed_nothing(string cell, string label)
    {
        var output = Output(cell);
        Assert.Matches($@"{label}: [\d,]+ requests, 0 failed; restarts took [\d.]+ s and [\d.]+ s; pids \d+, \d+ → \d+, \d+; fewest workers serving: 2", output);
        Assert.Contains("data:image/png;base64,", output);
        Assert.Matches(@"\d+\.\d s restart 2", output);
    }

    [Fact]
    public void Without_the_drain_keep_alive_clients_lost_requests()
    {
        var output = Output("Drain = false");
        var failed = Regex.Match(output, @"keep-alive, no drain: [\d,]+ requests, (\d+) failed");
        Assert.True(failed.Success && int.Parse(failed.Groups[1].Value) > 0, output);
    }

    [Fact]
    public void A_second_restart_joined_the_first_and_SIGUSR2_restarted_the_example()
    {
        Assert.Contains("second call joined the first: True; workers replaced: 2; calls folded in: 1", Output("var second = cluster.RollingRestartAsync()"));
        var signalled = Output("primaryProcess.Kill(\"SIGUSR2\")");
        Assert.Equal(2, Regex.Matches(signalled, @"^Exited process \d+", RegexOptions.Multiline).Count);
        Assert.Contains("SIGTERM: stopping the workers", signalled);
        Assert.Contains("primary exited with", signalled);
        Assert.Equal(16, ExecutedNotebooks.PassedChecks(Output("Check.Equal(0L, r.Result.Failed")));
    }
}
