using System.Globalization;
using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>What chapter 07 must show, read from its executed outputs (cells by id).</summary>
[Collection(NotebookRun.Name)]
public class SharedStateChapterTests(ExecutedNotebooks run)
{
    private string Cell(string id) => run.CellOutput("07-shared-state-and-sticky-sessions", id);

    [Fact]
    public void Each_worker_counts_its_own_visits_and_the_primary_store_counts_all()
    {
        var own = Regex.Match(Cell("6754b185"), @"each worker's own count: \d+: (\d+), \d+: (\d+) — 10 visits in all");
        Assert.True(own.Success, Cell("6754b185"));
        Assert.All(new[] { own.Groups[1].Value, own.Groups[2].Value }, count => Assert.InRange(int.Parse(count), 1, 9));
        Assert.Contains("the primary's store holds visits = 10", Cell("ab2cb51b"));
    }

    [Fact]
    public void Round_robin_with_sessions_in_memory_loses_most_of_them()
    {
        var output = Cell("b37f6d4a");
        var lost = Regex.Match(output, @"lost a session\s*</td><td>[\d,]+ \(([\d.]+)\s?%\)");
        Assert.True(lost.Success, output);
        Assert.True(double.Parse(lost.Groups[1].Value, CultureInfo.InvariantCulture) > 50, lost.Value);
        Assert.Contains("users logged out</td><td>20 of 20", output);
        Assert.Contains("data:image/png;base64,", output);
    }

    [Fact]
    public void Sticky_by_IP_behind_one_address_puts_every_page_on_one_worker_and_shows_the_idle_one()
    {
        Assert.Matches(@"every worker: pid \d+: [1-9][\d,]* pages, pid \d+: [1-9][\d,]* pages", Cell("d7032525"));
        var one = Cell("f28ccfbb");
        Assert.Matches(@"every worker: (pid \d+: [1-9][\d,]* pages, pid \d+: 0 pages|pid \d+: 0 pages, pid \d+: [1-9][\d,]* pages)", one);
        Assert.Matches(@"memory, sticky by IP, one address: [\d,]+ logins, 0 lost a session", one);
        // Whether one worker for everybody cost capacity is measured, not assumed.
        Assert.Matches(@"pages ok per second: one worker for all 20 users [\d,]+, two workers \(own addresses, above\) [\d,]+: one ÷ two = [\d.]+ — one worker (served more|kept up|served fewer)", one);
        Assert.Contains("data:image/png;base64,", one);
    }

    [Fact]
    public void Sticky_routing_holds_sessions_until_the_worker_goes_and_a_shared_store_always()
    {
        Assert.Contains("lost a session</td><td>0 (0.0 %)", Cell("3aae10ed"));
        Assert.Matches(@"lost a session</td><td>[1-9][\d,]* \(", Cell("5b0ba4c9"));
        Assert.Contains("lost a session</td><td>0 (0.0 %)", Cell("ab59fd66"));
        Assert.Contains("lost a session</td><td>0 (0.0 %)", Cell("1c103e21"));
    }

    [Fact]
    public void The_restart_is_explained_worker_by_worker_from_the_session_log()
    {
        var explained = Cell("b7f95f33");
        Assert.Equal(2, Regex.Matches(explained, @"pid \d+ left the rotation [\d.]+ s into the run: \d+ users had a session on it; \d+ were asked to log in again").Count);
        Assert.Matches(@"Users asked to log in again: [1-9]\d* of 20: \d+ \+ \d+ on the replaced workers as they left", explained);
        Assert.Matches(@"Sessions lost: ([\d,]+) of [\d,]+, \1 of them held by a replaced worker", explained);
    }

    [Fact]
    public void The_side_by_side_chart_is_drawn_and_every_check_passed()
    {
        var chart = Cell("9236b888");
        Assert.Contains("data:image/png;base64,", chart);
        Assert.Equal(7, Regex.Matches(chart, @"^\s*\d+ of 20 users asked to log in again, +[\d,]+ pages ok/s — [^\n]*: [\d,]+ logins, [\d,]+ lost a session", RegexOptions.Multiline).Count);
        Assert.Matches(@"with a restart each, pages ok per second: sticky by cookie \(sessions in memory\) [\d,]+; primary store [\d,]+ \([\d.]+×: (fewer|not fewer)[^)]*\); Redis [\d,]+ \([\d.]+×: (fewer|not fewer)", chart);
        var checks = Cell("cadfa32c");
        Assert.Equal(19, ExecutedNotebooks.PassedChecks(checks));
        Assert.Contains("memory, round-robin: ", checks);
        Assert.Matches(@"memory, round-robin: [\d,]+ sessions, [1-9][\d,]* lost \(their 401s counted apart, not as failed\), no failed request", checks);
        Assert.DoesNotContain("✘", checks);
    }
}
