using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Workbook.Processes;

namespace Workbook.Cluster.AspNetCore.Tests;

/// <summary>What <c>UseClusterWorker</c> adds to an ASP.NET Core app beyond serving the port.</summary>
public class KestrelWorkerTests
{
    [Fact]
    public async Task Outside_a_cluster_UseClusterWorker_leaves_the_app_as_it_was()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseClusterWorker();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapGet("/", () => "alone");
        await app.StartAsync();
        try
        {
            Assert.Null(app.Services.GetService<ClusterWorker>());
            using var http = new HttpClient { Timeout = Workers.Timeout };
            Assert.Equal("alone", await http.GetStringAsync(app.Urls.Single()));
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Under_cookie_affinity_a_worker_names_itself_in_the_cookie_and_gets_the_clients_next_connections()
    {
        var settings = Workers.Settings(Workers.Kestrel) with { SessionAffinity = SessionAffinity.Cookie };
        var primary = await ClusterPrimary.StartAsync(settings).WaitAsync(Workers.Timeout);
        try
        {
            using var first = await Workers.GetAsync(primary.Url);
            var cookie = first.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(settings.AffinityCookieName + "=", StringComparison.Ordinal));
            var named = int.Parse(cookie[(settings.AffinityCookieName.Length + 1)..].Split(';')[0]);
            Assert.Equal(primary.Workers[named].Pid, Workers.Pid(first));

            using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { Timeout = Workers.Timeout };
            for (int i = 0; i < 6; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, primary.Url);
                request.Headers.ConnectionClose = true; // a new connection each time: the primary routes every one
                request.Headers.Add("Cookie", $"{settings.AffinityCookieName}={named}");
                using var response = await http.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(primary.Workers[named].Pid, Workers.Pid(response));
            }
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_round_robin_worker_stopped_with_SIGTERM_behind_the_primarys_back_shuts_down_by_itself_with_0()
    {
        // Its listener takes connections from the primary, not from a socket of its own, and the primary, not told,
        // keeps the hand-off open: unbinding the listener must still end Kestrel's accept loop, or the shutdown waits.
        var primary = await ClusterPrimary.StartAsync(Workers.Settings(Workers.Kestrel, workers: 1)).WaitAsync(Workers.Timeout);
        try
        {
            var worker = primary.Workers.Values.Single();
            using (var response = await Workers.GetAsync(primary.Url)) Assert.Equal(HttpStatusCode.OK, response.StatusCode);

            worker.Process.Kill("SIGTERM"); // not worker.Kill: that ends the hand-off first

            Assert.Equal(new ChildExit(0, null), await worker.Exited.WaitAsync(TimeSpan.FromSeconds(15)));
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }
}
