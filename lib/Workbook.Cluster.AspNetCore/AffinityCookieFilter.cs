using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Workbook.Cluster.AspNetCore;

/// <summary>
/// Under <see cref="SessionAffinity.Cookie"/>: every response to a client that does not carry this worker's
/// affinity cookie sets it, so the primary routes the client's next connections here.
/// </summary>
internal sealed class AffinityCookieFilter(ClusterChild child) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var name = child.AffinityCookie!;
        var mine = child.Id.ToString();
        var options = new CookieOptions { Path = "/", HttpOnly = true, SameSite = SameSiteMode.Lax, IsEssential = true };
        app.Use((context, nextMiddleware) =>
        {
            if (context.Request.Cookies[name] != mine)
            {
                context.Response.OnStarting(() =>
                {
                    context.Response.Cookies.Append(name, mine, options);
                    return Task.CompletedTask;
                });
            }
            return nextMiddleware(context);
        });
        next(app);
    };
}
