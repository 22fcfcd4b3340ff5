using System.Globalization;
using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>What chapter 07 must show, read from its executed outputs.</summary>
[Collection(NotebookRun.Name)]
public class SharedStateChapterTests(ExecutedNotebooks run)
{
    private string Output(string sourceContains) => run.Output("07-shared-state-and-sticky-sessions", sourceContains);

    [Fact]
    public void Each_worker_counts_its_own_visits_and_the_primary_store_counts_all()
    {
        var own = Output("var perWorkerVisits = await");
        Assert.Equal(2, Regex.Matches(own, "this is visit number 5").Count);
        Assert.DoesNotMatch("visit number 6", own);
        Assert.Contains("the primary's store holds visits = 10", Output("var sharedVisits = await"));
    }

    [Fact]
    public void Round_robin_with_sessions_in_memory_loses_most_of_them()
    {
        var output = Output("var memoryRoundRobin = await");
        var lost = Regex.Match(output, @"lost a session\s*</td><td>[\d,]+ \(([\d.]+)\s?%\)");
        Assert.True(lost.Success, output);
        Assert.True(double.Parse(lost.Groups[1].Value, CultureInfo.InvariantCulture) > 50, lost.Value);
        Assert.Contains("data:image/png;base64,", output);
    }

    [Fact]
    public void Sticky_routing_holds_sessions_until_the_worker_goes_and_a_shared_store_always()
    {
        Assert.Contains("lost a session</td><td>0 (0.0 %)", Output("var cookieSticky = await"));
        Assert.Matches(@"lost a session</td><td>[1-9][\d,]* \(", Output("var cookieRestart = await"));
        Assert.Contains("lost a session</td><td>0 (0.0 %)", Output("var primaryStoreRestart = await"));
        Assert.Contains("lost a session</td><td>0 (0.0 %)", Output("var redisRestart = await"));
        Assert.Matches(@"memory, sticky by IP, one address: [\d,]+ logins, 0 lost a session", Output("var ipOneAddress = await"));
    }

    [Fact]
    public void The_side_by_side_chart_is_drawn_and_every_check_passed()
    {
        var chart = Output("Charts.GroupedBars(");
        Assert.Contains("data:image/png;base64,", chart);
        Assert.Equal(10, Regex.Matches(chart, @"^[^\n]*: [\d,]+ logins, [\d,]+ lost a session", RegexOptions.Multiline).Count);
        Assert.Equal(37, ExecutedNotebooks.PassedChecks(Output("Check.Equal(10, perWorkerVisits.Count")));
    }
}
