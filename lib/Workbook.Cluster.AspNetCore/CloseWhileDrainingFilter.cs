using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Workbook.Cluster.AspNetCore;

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
