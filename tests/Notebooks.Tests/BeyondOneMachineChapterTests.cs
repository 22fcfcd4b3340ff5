using System.Globalization;
using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>What chapter 08 must show, read from its executed outputs (cells by id).</summary>
[Collection(NotebookRun.Name)]
public class BeyondOneMachineChapterTests(ExecutedNotebooks run)
{
    private string Cell(string id) => run.CellOutput("08-beyond-one-machine", id);

    [Fact]
    public void Three_instances_share_one_store_behind_the_proxy_which_sees_them_healthy_and_warns_of_nothing()
    {
        Assert.Equal(3, Regex.Matches(Cell("b8dc96ee"), @"instance [abc]1: primary pid \d+, http://127\.0\.0\.1:\d+/").Count);
        var proxy = Cell("b5bb40ad");
        Assert.Equal(3, Regex.Matches(proxy, @"^  [abc]1\s+http://127\.0\.0\.1:\d+/\s+healthy$", RegexOptions.Multiline).Count);
        Assert.DoesNotContain("warn:", proxy);
    }

    [Fact]
    public void One_user_stays_on_one_instance_with_the_proxy_affinity_cookie()
    {
        var output = Cell("51c56a7d");
        Assert.Equal(5, Regex.Matches(output, @"served by [abc]1/\d+").Count);
        Assert.Matches(@"instances that answered: [abc]1; workers: [abc]1/\d+(, [abc]1/\d+)?$", output.TrimEnd());
        Assert.Equal(4, Regex.Matches(output, "Profile of ada").Count);
        Assert.Contains("cookie WorkbookProxyAffinity = ", output);
    }

    [Fact]
    public void Under_load_every_instance_and_several_workers_serve_and_no_session_is_lost()
    {
        var output = Cell("23242ff2");
        Assert.Contains("lost a session</td><td>0 (0.0 %)", output);
        var workers = Regex.Matches(output, @"([abc]1)/\d+: [\d,]+").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(3, workers.Distinct().Count());
        Assert.True(workers.Count >= 4, output);
        Assert.Contains("data:image/png;base64,", Cell("e176293f"));
    }

    [Fact]
    public void A_killed_instance_is_taken_out_by_the_health_checks_and_no_session_is_lost()
    {
        var output = Cell("75e8cc57");
        var outAfter = Regex.Match(output, @"the proxy took b1 out ([\d,]+) ms after the kill, found by (both checks|the active check|the passive check)");
        Assert.True(outAfter.Success, output);
        Assert.InRange(double.Parse(outAfter.Groups[1].Value, NumberStyles.Number, CultureInfo.InvariantCulture), 0, 5000);
        Assert.Matches(@"no request failed|[\d,]+ requests failed: ", output);
        Assert.Contains("lost a session</td><td>0 (0.0 %)", output);
        Assert.Matches(@"b1 killed, [\d.]+ s b1 unhealthy", output);
    }

    [Fact]
    public void A_rolling_restart_of_the_instances_replaces_each_with_no_failed_request()
    {
        var output = Cell("7898dad6");
        foreach (var step in new[] { "a1 → a2", "b2 → b3", "c1 → c2" }) Assert.Contains(step, output);
        Assert.Contains("lost a session</td><td>0 (0.0 %)", output);
        Assert.Matches(@"failed</td><td>none", output);
    }

    [Fact]
    public void The_paper_configs_carry_this_runs_ports_and_every_check_passed()
    {
        var kubernetes = Cell("744e5127");
        Assert.Matches(@"replicas: 3", kubernetes);
        Assert.Contains("readinessProbe:", kubernetes);
        Assert.Contains("livenessProbe:", kubernetes);
        Assert.Matches(@"server 127\.0\.0\.1:\d+ max_fails=1", Cell("e7dcc0a0"));
        Assert.DoesNotContain("sticky cookie;", Cell("e7dcc0a0"));
        Assert.Matches(@"keepalive \d+;", Cell("e7dcc0a0")); // the pool the prose says matters
        Assert.Matches(@"server a2 127\.0\.0\.1:\d+ check cookie a2", Cell("78a3f1a6"));
        Assert.Contains("observe layer4 error-limit 3 on-error mark-down", Cell("78a3f1a6")); // YARP's passive check has a counterpart
        var checks = Cell("c8f36f5c");
        ExecutedNotebooks.AllChecksPassed(checks, 15);
    }
}
