using Workbook.Cluster.AspNetCore;
using Workbook.Processes;

namespace Workbook.Cluster.AspNetCore.Tests.Worker;

/// <summary>An ordinary ASP.NET Core app with the one line that makes it a cluster worker.</summary>
internal static class KestrelWorker
{
    public static async Task<int> RunAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseClusterWorker();
        var app = builder.Build();
        var pid = Environment.ProcessId;

        app.Use((context, next) =>
        {
            ParentProcess.Send(new { request = $"{context.Request.Path}{context.Request.QueryString}", pid });
            context.Response.Headers["X-Worker-Pid"] = pid.ToString();
            return next(context);
        });
        app.MapGet("/", () => $"Handled by process {pid}\n");
        app.MapGet("/slow", async (int ms) =>
        {
            await Task.Delay(ms);
            return $"Handled by process {pid}\n";
        });

        await app.RunAsync();
        return 0;
    }
}
