using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Workbook.Processes;

namespace Workbook.Cluster.AspNetCore;

/// <summary>The one line that makes an ASP.NET Core app a cluster worker.</summary>
public static class ClusterWorkerExtensions
{
    /// <summary>
    /// In a process forked by a <see cref="ClusterPrimary"/>: serve the cluster's port under its scheduling
    /// policy, tell the primary when this worker is online and listening, and on <c>worker.Disconnect()</c>
    /// drain (stop accepting, answer with <c>Connection: close</c>, wait for connections to close) and stop.
    /// Started any other way, the app runs as it would without this call.
    /// </summary>
    public static IWebHostBuilder UseClusterWorker(this IWebHostBuilder builder)
    {
        var settings = Cluster.WorkerSettings;
        if (settings is null) return builder;

        builder.UseSetting(WebHostDefaults.ServerUrlsKey, ""); // the cluster decides where this worker listens
        builder.ConfigureServices(services =>
        {
            services.AddSingleton(settings);
            services.AddSingleton<WorkerState>();
            services.AddSingleton<ClusterListenerFactory>();
            services.AddSingleton(sp => new ClusterWorker(settings, sp.GetRequiredService<WorkerState>(),
                sp.GetRequiredService<ClusterListenerFactory>(), sp.GetRequiredService<ILogger<ClusterWorker>>()));
            services.AddSingleton<IConnectionListenerFactory>(sp => sp.GetRequiredService<ClusterListenerFactory>());
            services.AddSingleton<IStartupFilter, CloseWhileDrainingFilter>();
            if (settings.AffinityCookie is not null) services.AddSingleton<IStartupFilter, AffinityCookieFilter>();
            services.AddHostedService<WorkerLifecycle>();
            services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.DisconnectTimeout);
        });
        builder.ConfigureKestrel((context, options) =>
        {
            var state = options.ApplicationServices.GetRequiredService<WorkerState>();
            options.Listen(settings.Address, settings.Port, listen => listen.Use(next => async connection =>
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
        // Node's 'online': the worker process runs (it listens a moment later).
        ParentProcess.Send(ClusterMessages.Make(ClusterMessages.Online));
        return builder;
    }
}

/// <summary>
/// Counts requests in progress per connection (until the response is sent completely), and while draining makes
/// every response say <c>Connection: close</c>: keep-alive clients finish and reconnect elsewhere.
/// </summary>
internal sealed class CloseWhileDrainingFilter(WorkerState state) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            var tracked = state.RequestStarted(context.Connection.Id);
            context.Response.OnStarting(() =>
            {
                if (state.Draining) context.Response.Headers.Connection = "close";
                return Task.CompletedTask;
            });
            context.Response.OnCompleted(() =>
            {
                state.RequestCompleted(tracked);
                return Task.CompletedTask;
            });
            return nextMiddleware(context);
        });
        next(app);
    };
}

/// <summary>Tells the primary "listening" once Kestrel listens, and drains when the primary asks this worker to disconnect.</summary>
internal sealed class WorkerLifecycle(
    WorkerSettings settings,
    WorkerState state,
    ClusterListenerFactory listeners,
    IHostApplicationLifetime lifetime,
    ILogger<WorkerLifecycle> logger) : IHostedService
{
    private int _draining;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => ParentProcess.Send(ClusterMessages.Make(ClusterMessages.Listening, settings.Port)));
        ParentProcess.SubscribeInternal(message =>
        {
            if (message.GetProperty(ClusterMessages.Marker).GetString() == ClusterMessages.Disconnect) _ = DrainAsync();
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// A keep-alive connection with no request for this long is closed by the drain; one in use gets
    /// <c>Connection: close</c> on its next response instead. Closing a connection whose client is just sending
    /// is the race a drain avoids, so only connections quiet for a while are closed.
    /// </summary>
    internal static readonly TimeSpan IdleBeforeClose = TimeSpan.FromSeconds(1);

    private async Task DrainAsync()
    {
        if (Interlocked.Exchange(ref _draining, 1) != 0) return;
        state.StartDraining();
        logger.LogInformation("worker {Id} draining ({Open} connections open)", settings.Id, state.OpenConnections);
        // The primary kills this worker after its DisconnectTimeout; this deadline only matters when it cannot.
        var deadline = Task.Delay(settings.DisconnectTimeout + TimeSpan.FromSeconds(1));
        await Task.WhenAny(listeners.StopAcceptingAsync(), deadline);
        while (!deadline.IsCompleted && state.OpenConnections > 0)
        {
            foreach (var quiet in state.IdleConnections(IdleBeforeClose)) quiet.RequestClose();
            await Task.WhenAny(state.WhenIdle, deadline, Task.Delay(100));
        }
        logger.LogInformation("worker {Id} drained ({Open} connections still open); stopping", settings.Id, state.OpenConnections);
        lifetime.StopApplication();
    }
}
