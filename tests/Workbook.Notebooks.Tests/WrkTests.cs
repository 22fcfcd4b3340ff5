using Microsoft.AspNetCore.Builder;
using Workbook.Testing;

namespace Workbook.Notebooks.Tests;

public class WrkTests
{
    [Fact]
    public async Task Wrk_reports_its_responses_and_socket_errors_when_it_is_installed_and_says_so_when_it_is_not()
    {
        if (!Wrk.IsInstalled)
        {
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Wrk.RunAsync(new Uri("http://127.0.0.1:1/"), 1, TimeSpan.FromSeconds(1)));
            Assert.Contains("wrk is not on PATH", e.Message);
            return;
        }
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", () => "Ok"));

        var result = await Wrk.RunAsync(server.Url, connections: 2, TimeSpan.FromSeconds(1));

        Assert.True(result.Responses > 0, result.Output);
        Assert.Equal(0, result.SocketErrors);
        Assert.StartsWith($"wrk: {result.Responses:N0} responses; 0 socket errors", result.ToString());
        await Assert.ThrowsAsync<InvalidOperationException>(() => Wrk.RunAsync(new Uri("http://127.0.0.1:1/"), 1, TimeSpan.FromSeconds(1)));
    }
}
