using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapGet("/", () => "Ok");
        await app.StartAsync();
        var url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        var result = await Wrk.RunAsync(url, connections: 2, TimeSpan.FromSeconds(1));

        Assert.True(result.Responses > 0, result.Output);
        Assert.Equal(0, result.SocketErrors);
        Assert.StartsWith($"wrk: {result.Responses:N0} responses; 0 socket errors", result.ToString());
        await Assert.ThrowsAsync<InvalidOperationException>(() => Wrk.RunAsync(new Uri("http://127.0.0.1:1/"), 1, TimeSpan.FromSeconds(1)));
    }
}
