using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Workbook.Testing;

/// <summary>A real Kestrel server on a free loopback port, for one test.</summary>
public sealed record TestServer(WebApplication App, Uri Url) : IAsyncDisposable
{
    public static async Task<TestServer> StartAsync(Action<WebApplication> map, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        configure?.Invoke(builder);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestServer(app, new Uri(address));
    }

    public Uri At(string path) => new(Url, path);

    public async ValueTask DisposeAsync() => await App.DisposeAsync();

    /// <summary>A port nothing listens on.</summary>
    public static int FreePort() => TestEnvironment.FreePort();
}
