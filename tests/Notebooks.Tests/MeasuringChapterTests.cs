using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>What chapter 00 must show, read from its executed outputs.</summary>
[Collection(NotebookRun.Name)]
public class MeasuringChapterTests(ExecutedNotebooks run)
{
    private string Output(string sourceContains) => run.Output("00-measuring", sourceContains);

    [Fact]
    public void The_closed_run_shows_its_summary_table_and_chart()
    {
        var closed = Output("var closed = await LoadView.RunAsync");
        Assert.Contains("<tr><td>load</td><td>20 clients for 3 s, keep-alive</td></tr>", closed);
        Assert.Contains("<tr><td>failed</td><td>none</td></tr>", closed);
        Assert.Matches(@"<tr><td>by value</td><td>\d+: [\d,]+</td></tr>", closed);   // one X-Worker-Pid
        Assert.Contains("data:image/png;base64,", closed);
        Assert.Contains("finished: ", closed); // the progress view ended
    }

    [Fact]
    public void Above_capacity_the_open_model_shows_the_queue_in_the_latency()
    {
        var output = Output("var capacity = closed.Throughput");
        double P99(string label) => double.Parse(Regex.Match(output, $@"{Regex.Escape(label)}: .* p99 ([\d,.]+) ms").Groups[1].Value.Replace(",", ""));
        Assert.True(P99("1.5 × capacity") > 3 * P99("half of capacity"), output);
    }

    [Fact]
    public void Ending_the_server_shows_refused_requests_at_the_mark_and_the_check_passed()
    {
        var interrupted = Output("run.Mark(\"server ended\")");
        Assert.Matches(@"[\d,]+ refused", interrupted);
        Assert.Contains("s server ended", interrupted);
        Assert.Equal(8, ExecutedNotebooks.PassedChecks(Output("Check.Equal(closed.Requests")));
    }
}
