using Microsoft.AspNetCore.Builder;
using ScottPlot;
using Workbook.LoadTesting;
using Workbook.Testing;

namespace Workbook.Notebooks.Tests;

/// <summary>Charts and views of a real load run against a real (in-process) Kestrel server.</summary>
public class LoadViewTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private LoadResult _result = null!;

    public async Task InitializeAsync()
    {
        long n = 0;
        _server = await TestServer.StartAsync(app => app.MapGet("/", (Microsoft.AspNetCore.Http.HttpContext c) =>
        {
            c.Response.Headers["X-Worker-Pid"] = (Interlocked.Increment(ref n) % 2 == 0 ? "101" : "202");
            return "Ok";
        }));
        var run = LoadRunner.Start(new LoadTest { Label = "test run", Url = _server.Url, Load = [Load.KeepConstant(4, TimeSpan.FromSeconds(2))], AttributeBy = "X-Worker-Pid" });
        await Task.Delay(700);
        run.Mark("halfway");
        _result = await run.Completion;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void The_timeline_is_one_step_per_second_with_the_marks_as_lines()
    {
        var plot = LoadCharts.Timeline(_result);

        var ok = plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Single();
        var points = ok.Data.GetScatterPoints();
        Assert.Equal(2 * 2, points.Count); // two seconds, each a start and an end point
        Assert.Equal(_result.Timeline[0].Ok, points[0].Y);
        var mark = plot.GetPlottables().OfType<ScottPlot.Plottables.VerticalLine>().Single();
        Assert.InRange(mark.X, 0.6, 1.2);
        Assert.Equal("halfway", plot.GetPlottables().OfType<ScottPlot.Plottables.Text>().Single().LabelText);
        Assert.Equal([0x89, (byte)'P'], plot.GetImageBytes(400, 300, ImageFormat.Png)[..2]);
    }

    [Fact]
    public void Attribution_latency_and_comparison_charts_carry_the_numbers()
    {
        var byWorker = LoadCharts.ByAttribution(_result).GetPlottables().OfType<ScottPlot.Plottables.BarPlot>().Single().Bars;
        Assert.Equal([_result.ByAttribution["101"], _result.ByAttribution["202"]], byWorker.Select(b => (long)b.Value));

        var latency = LoadCharts.Latency(_result).GetPlottables().OfType<ScottPlot.Plottables.BarPlot>().Single().Bars;
        Assert.Equal(5, latency.Count);
        Assert.Equal(_result.Latency.P99.TotalMilliseconds, latency[2].Value);

        var legend = LoadCharts.Compare(_result, _result with { Label = "again" }).GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Select(s => s.LegendText).ToList();
        Assert.Equal(2, legend.Count);
        Assert.StartsWith($"test run: {_result.Throughput:N0} req/s, p99", legend[0]);
    }

    [Fact]
    public void A_run_without_attribution_says_how_to_get_it()
    {
        var e = Assert.Throws<InvalidOperationException>(() => LoadCharts.ByAttribution(_result with { ByAttribution = new Dictionary<string, long>() }));
        Assert.Contains("set LoadTest.AttributeBy", e.Message);
    }

    [Fact]
    public void The_result_view_is_a_summary_table_and_the_timeline()
    {
        var html = LoadView.Html(_result);

        Assert.Contains($"<tr><td>requests</td><td>{_result.Requests:N0} in 2.0 s (stopped by time)</td></tr>", html);
        Assert.Contains($"<tr><td>ok</td><td>{_result.Ok:N0} — {_result.Throughput:N0} req/s", html);
        if (_result.OkAfterEnd > 0) Assert.Contains($"({_result.OkAfterEnd:N0} answered after the load stopped, not in the rate)", html);
        Assert.Contains("<tr><td>failed</td><td>none</td></tr>", html);
        Assert.Contains("101: ", html);
        Assert.Contains("s halfway", html);
        Assert.Contains("data:image/png;base64,", html);
    }
}
