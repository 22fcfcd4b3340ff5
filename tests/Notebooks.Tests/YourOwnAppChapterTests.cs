using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>What chapter 10 must show, read from its executed outputs (by cell id).</summary>
[Collection(NotebookRun.Name)]
public class YourOwnAppChapterTests(ExecutedNotebooks run)
{
    private string Cell(string id) => run.CellOutput("10-your-own-app", id);

    [Fact]
    public void A_stock_app_is_made_and_shown_as_the_template_wrote_it()
    {
        var output = Cell("c10a0004");
        Assert.Contains("var builder = WebApplication.CreateBuilder(args);", output);
        Assert.Contains("built: bin/Release/net10.0/HelloApp.dll; its project references the workbook: False", output);
    }

    [Fact]
    public void Start_lists_two_online_workers_and_both_answer()
    {
        Assert.Matches(@"\[hello\] started in the background: 2 worker\(s\) serving http://127\.0\.0\.1:\d+/", Cell("c10a0006"));
        Assert.Equal(2, Regex.Matches(Cell("c10a0006"), @"│ hello\s+│ \d+\s+│ \d+\s+│ online").Count);
        Assert.Equal(2, Regex.Matches(Cell("c10a0008"), @"pid \d+: [\d,]+ answers").Count);
        Assert.Contains("data:image/png;base64,", Cell("c10a0008"));
    }

    [Fact]
    public void Two_reloads_under_keep_alive_load_fail_nothing_and_are_charted()
    {
        var output = Cell("c10a0012");
        Assert.Equal(2, Regex.Matches(output, @"\[hello\] reloaded: 2 worker\(s\) replaced, one at a time").Count);
        Assert.Matches(@"[\d,]+ requests, [\d,]+ ok, 0 failed \(none\); pids \d+, \d+ → \d+, \d+", output);
        Assert.Contains("data:image/png;base64,", output);
    }

    [Fact]
    public void List_logs_pm2_live_or_said_absent_and_the_recorded_pm2_rows_are_shown()
    {
        Assert.Matches(@"\[worker \d+\] ", Cell("c10a0014"));
        // Live when pm2 is on PATH (the devcontainer installs it), else said so.
        Assert.Matches(@"[\d,]+ requests, [\d,]+ ok, [\d,]+ failed .*; pids \d+, \d+ → \d+, \d+|pm2 is not on the PATH: no live PM2 run here", Cell("c10a0016"));
        var live = Cell("c10a0023"); // a chart beside PM2's live run, or what ran without it
        if (Cell("c10a0016").Contains("pm2 is not on the PATH")) Assert.Matches(@"Only dotnet cluster ran live: 0 failed of [\d,]+\.", live);
        else Assert.Contains("data:image/png;base64,", live);
        Assert.Matches(@"PM2 [\d.]+, pm2 reload: [\d,]+ failed of [\d,]+, summed over \d+ runs", Cell("c10a0025"));
        Assert.Contains("the workers' processes are gone: True; the daemon is gone (no socket, list finds none): True", Cell("c10a0018"));
        Assert.Contains("the app and the tool's home are deleted: True", Cell("c10a0018"));
    }

    [Fact]
    public void Every_check_passes() => ExecutedNotebooks.AllChecksPassed(Cell("c10a0020"), 11);
}
