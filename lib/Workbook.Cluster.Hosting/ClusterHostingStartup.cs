using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Workbook.Cluster.AspNetCore;

[assembly: HostingStartup(typeof(Workbook.Cluster.Hosting.ClusterHostingStartup))]

namespace Workbook.Cluster.Hosting;

/// <summary>
/// ASP.NET Core runs this for every web host of an app started with this assembly named in
/// <c>ASPNETCORE_HOSTINGSTARTUPASSEMBLIES</c>: the app becomes a cluster worker as if it called
/// <see cref="ClusterWorkerExtensions.UseClusterWorker"/> itself (started outside a cluster, it changes nothing).
/// </summary>
public sealed class ClusterHostingStartup : IHostingStartup
{
    /// <summary>True once a web host of this process ran this hosting startup.</summary>
    public static bool Ran { get; private set; }

    public void Configure(IWebHostBuilder builder)
    {
        Ran = true;
        builder.UseClusterWorker();
        if (Environment.GetEnvironmentVariable(ClusterHosting.PidHeaderVariable) == "1")
            builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, PidHeaderFilter>());
    }

    /// <summary>Adds <c>X-Worker-Pid</c> to every response, before the app's own middleware runs (opt-in: it changes responses).</summary>
    private sealed class PidHeaderFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            var pid = Environment.ProcessId.ToString();
            app.Use((context, following) =>
            {
                context.Response.OnStarting(() =>
                {
                    context.Response.Headers["X-Worker-Pid"] = pid;
                    return Task.CompletedTask;
                });
                return following(context);
            });
            next(app);
        };
    }
}
