// Why it is here: the benchmarks run `dotnet cluster` on an unmodified app doing the notes' per-request work (server.js).
// A plain WebApplication: `/` runs a loop of --work N iterations (default 1e7, as server.js) and says which process
// answered, with X-Worker-Pid. The PID is padded to 7 characters so every body has one length (ab counts a response
// whose length differs from the first as failed).
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
var work = app.Configuration.GetValue("work", 10_000_000L);
var pid = Environment.ProcessId;
ulong sink = 0;

app.MapGet("/", (HttpContext context) =>
{
    ulong sum = 0;
    for (long i = 0; i < work; i++) sum += (ulong)i; // the notes' simulated CPU work
    sink = sum;
    context.Response.Headers["X-Worker-Pid"] = pid.ToString();
    return $"Handled by process {pid,7}\n";
});

app.Run();
