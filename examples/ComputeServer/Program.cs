using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Workbook.Processes;

// The notes' /compute server. Usage:
//   ComputeServer [--port N] [--loop single|pool] [--compute inline|fork] [--iterations N]
// --loop single runs every handler on one thread (Node's model); pool is Kestrel's default.
// --compute fork moves the long computation into a forked ComputeChild, one per request, as the notes do.
var port = 3000;
var loop = "single";
var compute = "inline";
var iterations = LongComputation.DefaultIterations;
for (int i = 0; i < args.Length; i += 2)
{
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--port" when int.TryParse(value, out var p) && p is >= 0 and <= 65535: port = p; break;
        case "--loop" when value is "single" or "pool": loop = value; break;
        case "--compute" when value is "inline" or "fork": compute = value; break;
        case "--iterations" when long.TryParse(value, out var n) && n > 0: iterations = n; break;
        default:
            Console.Error.WriteLine($"ComputeServer: bad argument '{args[i]} {value}'. Usage: [--port N] [--loop single|pool] [--compute inline|fork] [--iterations N]");
            return 2;
    }
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
var app = builder.Build();

// Which process answered: the load runs of later chapters count responses per worker by this header.
app.Use((context, next) =>
{
    context.Response.Headers["X-Worker-Pid"] = Environment.ProcessId.ToString();
    return next(context);
});

if (loop == "single")
{
    var eventLoop = new EventLoop();
    app.Use((context, next) => eventLoop.RunAsync(() => next(context)));
}

app.MapGet("/", () => Text("Ok"));
app.MapGet("/compute", async () => Text(compute == "inline"
    ? $"Sum is {LongComputation.Run(iterations)}"
    : $"Sum is {await ComputeInChildAsync(iterations)}"));

try
{
    await app.StartAsync();
}
catch (IOException e)
{
    Console.Error.WriteLine($"ComputeServer: cannot listen on 127.0.0.1:{port}: {e.Message}");
    return 1;
}

var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine($"Listening on {url} (pid {Environment.ProcessId}; loop: {loop}; compute: {compute})");
if (ParentProcess.IsConnected) ParentProcess.Send(new { url, pid = Environment.ProcessId, loop, compute });
await app.WaitForShutdownAsync();
return 0;

// With a Content-Length rather than chunked: HTTP/1.0 clients such as ab can then keep the connection alive.
static IResult Text(string text) => Results.Bytes(System.Text.Encoding.UTF8.GetBytes(text), "text/plain; charset=utf-8");

// One forked child per request, as in the notes: start it, send the job, wait for the sum, let it go.
static async Task<string> ComputeInChildAsync(long iterations)
{
    var child = ChildProcess.Fork(ExamplePaths.Dll("ComputeChild"));
    try
    {
        child.Send(new { iterations });
        await foreach (var reply in child.Messages()) return reply.GetProperty("sum").GetString()!;
        throw new InvalidOperationException($"ComputeChild {child.Pid} exited without an answer.");
    }
    finally
    {
        child.Disconnect(); // the child exits when its channel closes
    }
}
