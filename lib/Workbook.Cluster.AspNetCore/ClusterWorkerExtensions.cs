using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Workbook.Cluster.AspNetCore;

/// <summary>The one line that makes an ASP.NET Core app a cluster worker.</summary>
public static class ClusterWorkerExtensions
{
    /// <summary>
    /// In a process forked by a <see cref="ClusterPrimary"/>: serve the cluster's port under its scheduling
    /// policy, tell the primary when this worker is online and listening, and on <c>worker.Disconnect()</c>
    /// drain (stop accepting, answer with <c>Connection: close</c>, wait for connections to close) and stop.
    /// Started any other way, the app runs as it would without this call. The protocol is <see cref="ClusterChild"/>'s;
    /// this adapts it to Kestrel and the host's lifetime.
    /// </summary>
    public static IWebHostBuilder UseClusterWorker(this IWebHostBuilder builder)
    {
        // Node's 'online': the first access tells the primary the worker process runs (it listens a moment later).
        var child = ClusterChild.Current;
        if (child is null) return builder;

        builder.UseSetting(WebHostDefaults.ServerUrlsKey, ""); // the cluster decides where this worker listens
        builder.ConfigureServices(services =>
        {
            services.AddSingleton(child);
            services.AddSingleton<WorkerState>();
            services.AddSingleton<ClusterListenerFactory>();
            services.AddSingleton(sp => new ClusterWorker(child, sp.GetRequiredService<WorkerState>(),
                sp.GetRequiredService<ClusterListenerFactory>(), sp.GetRequiredService<ILogger<ClusterWorker>>()));
            services.AddSingleton<IConnectionListenerFactory>(sp => sp.GetRequiredService<ClusterListenerFactory>());
            services.AddSingleton<IStartupFilter, CloseWhileDrainingFilter>();
            if (child.AffinityCookie is not null) services.AddSingleton<IStartupFilter, AffinityCookieFilter>();
            services.AddHostedService<WorkerLifecycle>();
            services.Configure<HostOptions>(o => o.ShutdownTimeout = child.DrainTimeout);
        });
        builder.ConfigureKestrel((context, options) =>
        {
            var state = options.ApplicationServices.GetRequiredService<WorkerState>();
            options.Listen(child.EndPoint, listen => listen.Use(next => async connection =>
            {
                var tracked = state.Opened(connection);
                try
                {
                    await next(connection);
                }
                finally
                {
                    state.Closed(tracked);
                }
            }));
        });
        return builder;
    }
}
