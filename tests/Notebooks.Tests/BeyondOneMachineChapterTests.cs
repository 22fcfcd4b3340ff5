using System.Globalization;
using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>What chapter 08 must show, read from its executed outputs.</summary>
[Collection(NotebookRun.Name)]
public class BeyondOneMachineChapterTests(ExecutedNotebooks run)
{
    private string Output(string sourceContains) => run.Output("08-beyond-one-machine", sourceContains);

    [Fact]
    public void Three_instances_share_one_store_behind_the_proxy_which_sees_them_healthy()
    {
        Assert.Equal(3, Regex.Matches(Output("var instances = new Dictionary"), @"instance [abc]1: primary pid \d+, http://127\.0\.0\.1:\d+/").Count);
        var proxy = Output("var proxy = await ReverseProxyExample.StartAsync(");
        Assert.Equal(3, Regex.Matches(proxy, @"^  [abc]1\s+http://127\.0\.0\.1:\d+/\s+healthy$", RegexOptions.Multiline).Count);
    }

    [Fact]
    public void One_user_stays_on_one_instance_with_the_proxy_affinity_cookie()
    {
        var output = Output("var login = await browser.PostAsync(");
        var servedBy = Regex.Matches(output, @"served by ([abc]1)/\d+").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(5, servedBy.Count);
        Assert.Single(servedBy.Distinct());
        Assert.Equal(4, Regex.Matches(output, "Profile of ada").Count);
        Assert.Contains("cookie WorkbookProxyAffinity = ", output);
    }

    [Fact]
    public void Under_load_every_instance_and_several_workers_serve_and_no_session_is_lost()
    {
        var output = Output("var spread = await SessionLoadRunner.Start(");
        Assert.Contains("lost a session</td><td>0 (0.0 %)", output);
        var workers = Regex.Matches(output, @"([abc]1)/\d+: [\d,]+").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(3, workers.Distinct().Count());
        Assert.True(workers.Count >= 4, output);
        Assert.Contains("data:image/png;base64,", Output("Charts.Bars(\"Pages per instance\""));
    }

    [Fact]
    public void A_killed_instance_is_taken_out_by_the_health_checks_and_no_session_is_lost()
    {
        var output = Output("var killRun = SessionLoadRunner.Start(");
        var outAfter = Regex.Match(output, @"the proxy took b1 out ([\d,]+) ms after the kill");
        Assert.True(outAfter.Success, output);
        Assert.InRange(double.Parse(outAfter.Groups[1].Value, NumberStyles.Number, CultureInfo.InvariantCulture), 0, 5000);
        Assert.Contains("lost a session</td><td>0 (0.0 %)", output);
        Assert.Matches(@"proxy: b1 unhealthy", output);
    }

    [Fact]
    public void A_rolling_restart_of_the_instances_replaces_each_with_no_failed_request()
    {
        var output = Output("var rollRun = SessionLoadRunner.Start(");
        foreach (var step in new[] { "a1 → a2", "b2 → b3", "c1 → c2" }) Assert.Contains(step, output);
        Assert.Contains("lost a session</td><td>0 (0.0 %)", output);
        Assert.Matches(@"failed</td><td>none", output);
    }

    [Fact]
    public void The_paper_configs_carry_this_runs_ports_and_every_check_passed()
    {
        Assert.Matches(@"server 127\.0\.0\.1:\d+ max_fails=1", Output("upstream sessions {"));
        Assert.Matches(@"server a2 127\.0\.0\.1:\d+ check cookie a2", Output("backend sessions"));
        Assert.Matches(@"replicas: 3", Output("kind: Deployment"));
        Assert.Equal(14, ExecutedNotebooks.PassedChecks(Output("Check.Equal(0L, spread.SessionsLost")));
    }
}
