using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>What chapter 05 must show, read from its executed outputs.</summary>
[Collection(NotebookRun.Name)]
public class AvailabilityChapterTests(ExecutedNotebooks run)
{
    private string Output(string sourceContains) => run.Output("05-availability", sourceContains);

    [Fact]
    public void The_random_crash_run_was_measured_beside_the_notes()
    {
        var counts = Output("var notesAvailability");
        var m = Regex.Match(counts, @"this run:  ([\d,]+) failed of ([\d,]+) with (\d+) crashes — ([\d.]+)% answered");
        Assert.True(m.Success, counts);
        Assert.True(int.Parse(m.Groups[3].Value) >= 2);
        Assert.True(double.Parse(m.Groups[4].Value) > 99.0);
        Assert.Contains("the notes: 17 failed of about 1,800 — 99.1% answered", counts);
        // The timeline chart of the run, with its marks.
        var timeline = Output("var (restarted, crashedUnderGuard)");
        Assert.Contains("data:image/png;base64,", timeline);
        Assert.Matches(@"\d+\.\d s crash \d+", timeline);
        Assert.Matches(@"\d+\.\d s up \d+", timeline);
    }

    [Fact]
    public void Without_restarts_the_port_closed_and_clients_were_refused()
    {
        var unguarded = Output("Restart = RestartPolicy.Never");
        Assert.Contains("workers left at the end: 0", unguarded);
        Assert.Matches(@"[\d,]+ refused", unguarded);
    }

    [Fact]
    public void The_hand_off_limit_bounded_the_cost_of_an_abrupt_crash()
    {
        var byLimit = Output("var byLimit = new List");
        foreach (var limit in new[] { "4", "32", "none" })
            Assert.Matches($@"limit +{limit}: +[\d,]+ ok, +\d+ failed in \d+ crashes \([\d.]+ per crash\)", byLimit);
        Assert.Contains("data:image/png;base64,", byLimit);
    }

    [Fact]
    public void The_crash_loop_backed_off_gave_up_and_the_fix_refilled_the_place()
    {
        var loop = Output("fragile.Workers[1].Process.Kill");
        Assert.Contains("delays before each try: 0 ms, 100 ms, 200 ms, 400 ms, 800 ms; gave up after 4 tries", loop);
        Assert.Contains("no more restarts for its place", loop); // the primary's log says why
        Assert.Equal(13, ExecutedNotebooks.PassedChecks(Output("Check.That(crashedUnderGuard.Count")));
    }
}
