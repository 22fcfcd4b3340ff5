using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Workbook.Processes;

// The notes' /compute server. Usage:
//   ComputeServer [--port N] [--loop single|pool] [--compute inline|fork|pool|thread] [--pool N] [--iterations N] [--min-threads N]
// --loop single runs every handler on one thread (Node's model); pool is Kestrel's default.
// --compute fork moves the long computation into a forked ComputeChild, one per request, as the notes do;
// --compute pool hands it to one of N ComputeChild processes forked once at start (--pool N, default: one per core);
// --compute thread runs it on a thread-pool thread (Task.Run), .NET's counterpart of a Node worker thread.
// --min-threads N raises the thread pool's minimum (ThreadPool.SetMinThreads): N threads come at once, on demand.
const string Usage = "[--port N] [--loop single|pool] [--compute inline|fork|pool|thread] [--pool N] [--iterations N] [--min-threads N]";
var port = 3000;
var loop = "single";
var compute = "inline";
var poolSize = Environment.ProcessorCount;
var iterations = LongComputation.DefaultIterations;
int? minThreads = null;
for (int i = 0; i < args.Length; i += 2)
{
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--port" when int.TryParse(value, out var p) && p is >= 0 and <= 65535: port = p; break;
        case "--loop" when value is "single" or "pool": loop = value; break;
        case "--compute" when value is "inline" or "fork" or "pool" or "thread": compute = value; break;
        case "--pool" when int.TryParse(value, out var size) && size is >= 1 and <= 64: poolSize = size; break;
        case "--iterations" when long.TryParse(value, out var n) && n > 0: iterations = n; break;
        case "--min-threads" when int.TryParse(value, out var min) && min is >= 1 and <= 1000: minThreads = min; break;
        default:
            Console.Error.WriteLine($"ComputeServer: bad argument '{args[i]} {value}'. Usage: {Usage}");
            return 2;
    }
}

if (minThreads is int minimum)
{
    ThreadPool.GetMinThreads(out _, out var io);
    ThreadPool.SetMinThreads(minimum, io);
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

var pool = compute == "pool" ? new ComputePool(poolSize) : null;
var computations = 0;

// Any method, as the notes' request handler: HEAD (curl -I) too.
app.Map("/", () => Text("Ok"));
app.Map("/compute", async (HttpContext context) =>
{
    // A request whose client has already gone (it waited in the queue and was given up on) is not computed.
    context.RequestAborted.ThrowIfCancellationRequested();
    var number = Interlocked.Increment(ref computations);
    var clock = System.Diagnostics.Stopwatch.StartNew();
    var (sum, pid, note) = compute switch
    {
        "inline" => (LongComputation.Run(iterations).ToString(), Environment.ProcessId, ""),
        "thread" => ((await Task.Run(() => LongComputation.Run(iterations))).ToString(), Environment.ProcessId, ""),
        "fork" => await ComputeInChildAsync(iterations),
        _ => await InPoolAsync(pool!, iterations, context.RequestAborted),
    };
    // Which process computed: this one (inline, thread), a new child (fork), a child of the pool (pool).
    context.Response.Headers["X-Compute-Pid"] = pid.ToString();
    if (compute is "fork" or "pool")
        Console.WriteLine($"/compute #{number}: computed by child {pid}{note}, answered after {clock.ElapsedMilliseconds:N0} ms");
    return Text($"Sum is {sum}");
});

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
var details = (minThreads is null ? "" : $"; thread pool minimum: {minThreads}") +
              (pool is null ? "" : $"; pool of {poolSize} children: {string.Join(", ", pool.Pids)}");
Console.WriteLine($"Listening on {url} (pid {Environment.ProcessId}; loop: {loop}; compute: {compute}{details})");
if (ParentProcess.IsConnected) ParentProcess.Send(new { url, pid = Environment.ProcessId, loop, compute, children = pool?.Pids ?? [] });
await app.WaitForShutdownAsync();
if (pool is not null) await pool.DisposeAsync();
return 0;

// With a Content-Length rather than chunked: HTTP/1.0 clients such as ab can then keep the connection alive.
static IResult Text(string text) => Results.Bytes(System.Text.Encoding.UTF8.GetBytes(text), "text/plain; charset=utf-8");

// One forked child per request, as in the notes: start it, send the job, wait for the sum, let it go.
static async Task<(string, int, string)> ComputeInChildAsync(long iterations)
{
    var child = ChildProcess.Fork(ExamplePaths.Dll("ComputeChild"));
    try
    {
        child.Send(new { iterations });
        var reply = await child.NextMessageAsync(); // throws if the child exits without an answer
        return (reply.GetProperty("sum").GetString()!, child.Pid ?? 0, " (forked for this request)");
    }
    finally
    {
        if (child.Connected) child.Disconnect(); // the child exits when its channel closes (a crashed child closed it already)
    }
}

// A child of the pool: the request waits in line while every child is busy.
static async Task<(string, int, string)> InPoolAsync(ComputePool pool, long iterations, CancellationToken aborted)
{
    var (sum, pid, waited) = await pool.RunAsync(iterations, aborted);
    return (sum, pid, waited.TotalMilliseconds >= 1 ? $" of the pool, after waiting {waited.TotalMilliseconds:N0} ms for a free one" : " of the pool, free at once");
}
