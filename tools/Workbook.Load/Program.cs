using System.Text.Json;
using ScottPlot;
using Spectre.Console;
using Workbook.LoadTesting;
using Workbook.Notebooks;

// A load run from the terminal, for instructors and for checking a server by hand:
//   Workbook.Load <url> [-c CLIENTS | -r RATE] [-d SECONDS] [-n REQUESTS] [--ramp SECONDS] [--new-connection]
//                 [--timeout SECONDS] [--attribute HEADER] [--label TEXT] [--png FILE] [--json]
const string Usage = "Workbook.Load <url> [-c CLIENTS | -r RATE] [-d SECONDS] [-n REQUESTS] [--ramp SECONDS] [--new-connection] " +
                     "[--timeout SECONDS] [--attribute HEADER] [--label TEXT] [--png FILE] [--json]";

// Socket completions run on the epoll threads instead of hopping to the thread pool, as wrk runs on its event
// loops: a generator that needs less CPU leaves more to the server it measures (0.75x wrk's rate instead of
// 0.65x here). Read once, before the first socket; an explicit setting in the environment wins.
const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineCompletions) is null) Environment.SetEnvironmentVariable(InlineCompletions, "1");
Uri? url = null;
int? clients = null;
double? rate = null;
double seconds = 10, ramp = 0, timeout = 10;
long? requests = null;
string? attribute = null, png = null, label = null;
var mode = ConnectionMode.KeepAlive;
var json = false;
try
{
    for (int i = 0; i < args.Length; i++)
    {
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "-c" or "--clients": clients = int.Parse(Next()); break;
            case "-r" or "--rate": rate = double.Parse(Next()); break;
            case "-d" or "--duration": seconds = double.Parse(Next()); break;
            case "-n" or "--requests": requests = long.Parse(Next()); break;
            case "--ramp": ramp = double.Parse(Next()); break;
            case "--new-connection": mode = ConnectionMode.NewPerRequest; break;
            case "--timeout": timeout = double.Parse(Next()); break;
            case "--attribute": attribute = Next(); break;
            case "--label": label = Next(); break;
            case "--png": png = Next(); break;
            case "--json": json = true; break;
            case "-h" or "--help": Console.WriteLine(Usage); return 0;
            default:
                if (args[i].StartsWith('-') || url is not null) throw new ArgumentException($"unexpected '{args[i]}'");
                url = new Uri(args[i]);
                break;
        }
    }
    if (url is null) throw new ArgumentException("the URL is missing");
    if (clients is not null && rate is not null) throw new ArgumentException("give either -c (closed model) or -r (open model), not both");
}
catch (Exception e) when (e is ArgumentException or FormatException or UriFormatException or OverflowException)
{
    Console.Error.WriteLine($"Workbook.Load: {e.Message}\nUsage: {Usage}");
    return 2;
}

var during = TimeSpan.FromSeconds(seconds);
List<LoadPhase> phases = rate is double r
    ? [.. ramp > 0 ? [Load.RampingInject(r, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(ramp))] : Array.Empty<LoadPhase>(), Load.Inject(r, TimeSpan.FromSeconds(1), during)]
    : [.. ramp > 0 ? [Load.RampingConstant(clients ?? 10, TimeSpan.FromSeconds(ramp))] : Array.Empty<LoadPhase>(), Load.KeepConstant(clients ?? 10, during)];
var test = new LoadTest
{
    Url = url,
    Label = label ?? url.ToString(),
    Load = phases,
    Connection = mode,
    MaxRequests = requests,
    Timeout = TimeSpan.FromSeconds(timeout),
    AttributeBy = attribute,
};

LoadRun run;
try
{
    run = LoadRunner.Start(test);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"Workbook.Load: {e.Message}");
    return 2;
}
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    run.Cancel();
};

if (json)
{
    // For other tools (the benchmark): one JSON object, nothing else on stdout.
    var done = await run.Completion;
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        done.Label, done.Requests, done.Ok, done.Failed, done.Unfinished, done.Throughput,
        P50Ms = done.Latency.P50.TotalMilliseconds, P99Ms = done.Latency.P99.TotalMilliseconds, MaxMs = done.Latency.Max.TotalMilliseconds,
    }, JsonSerializerOptions.Web));
    return 0;
}

await AnsiConsole.Progress()
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
    .StartAsync(async context =>
    {
        var bar = context.AddTask("starting", maxValue: test.Duration.TotalSeconds);
        while (!run.Completion.IsCompleted)
        {
            var p = run.Progress;
            bar.Value = Math.Min(p.Elapsed.TotalSeconds, bar.MaxValue);
            bar.Description = $"{p.Requests:N0} requests, {p.Ok:N0} ok, {p.Failed:N0} failed, {p.CurrentRate:N0} ok/s";
            await Task.WhenAny(run.Completion, Task.Delay(250));
        }
        bar.Value = bar.MaxValue;
    });
var result = await run.Completion;

var table = new Table().AddColumns("", "").HideHeaders();
table.AddRow("load", Markup.Escape($"{result.Profile}, {result.Connection}"));
table.AddRow("requests", $"{result.Requests:N0} in {result.Duration.TotalSeconds:0.0} s (stopped by {result.StoppedBy.Describe()})");
table.AddRow("ok", $"{result.Ok:N0} ({result.Throughput:N0} req/s)");
table.AddRow("failed", result.DescribeFailures("none"));
if (result.Unfinished > 0) table.AddRow("unfinished", $"{result.Unfinished:N0}");
var l = result.Latency;
table.AddRow("latency", $"p50 {LoadResult.FormatLatency(l.P50)}, p90 {LoadResult.FormatLatency(l.P90)}, p99 {LoadResult.FormatLatency(l.P99)}, max {LoadResult.FormatLatency(l.Max)}");
foreach (var (value, count) in result.ByAttribution) table.AddRow(Markup.Escape($"{attribute} {value}"), $"{count:N0}");
AnsiConsole.Write(table);

if (png is not null)
{
    LoadCharts.Timeline(result).SavePng(png, 900, 450);
    Console.WriteLine($"chart: {Path.GetFullPath(png)}");
}
return 0;
