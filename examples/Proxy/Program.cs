using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Workbook.Processes;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.SessionAffinity;
using Yarp.ReverseProxy.Transforms;

// A reverse proxy in front of several instances of a cluster, each standing for a machine (chapter 08): YARP with
// cookie session affinity, an active health check (GET /health every interval) and a passive one (transport
// failures of real requests). Usage: Proxy --backend NAME=URL [--backend NAME=URL ...] [--port N]
//   [--affinity cookie|none] [--health-interval MS] [--passive-check on|off]
// Every response carries X-Instance (the backend's name) and X-Served-By (name/worker pid, from X-Worker-Pid).
// Forked, it sends { url, pid } when listening, then { event: "health", name, health } whenever a backend's health
// changes, and takes requests from its parent: { op: "status" }, { op: "remove", name } (no new requests go there;
// the reply comes once its requests in flight have finished) and { op: "add", name, url }. Each reply carries the
// backends. It stops when the parent's channel closes, or on SIGTERM / SIGINT (exit code 0).
const string Usage = "Usage: Proxy --backend NAME=URL [--backend NAME=URL ...] [--port N] [--affinity cookie|none] [--health-interval MS] [--passive-check on|off]";

var options = ProxyOptions.Parse(args, Usage);
if (options is null) return 2;

ParentProcess.ExitOnDisconnect = false; // stop Kestrel ourselves, below
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
// Failed probes and failed forwards are warnings with stack traces; the proxy reports health changes itself, below.
builder.Logging.AddFilter("Yarp", LogLevel.Error);
// The affinity cookie is a hash of the backend's name (HashCookie below), nothing is encrypted, yet ASP.NET Core's data
// protection makes a key at start-up and warns that it is stored unencrypted (no XML encryptor): expected for a demo's
// key ring. Only that one category is quietened; every other warning still shows.
builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error);
builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, options.Port));
var backends = new Backends(options);
builder.Services.AddReverseProxy()
    .LoadFromMemory([new RouteConfig { RouteId = "all", ClusterId = Backends.ClusterId, Match = new RouteMatch { Path = "{**catch-all}" } }],
        [backends.ClusterConfig()])
    .AddTransforms(context => context.AddResponseTransform(transform =>
    {
        // Which instance, and which worker in it, answered: the load runs count responses by this header.
        var name = transform.HttpContext.GetReverseProxyFeature().ProxiedDestination?.DestinationId ?? "none";
        var pid = transform.ProxyResponse?.Headers.TryGetValues("X-Worker-Pid", out var values) == true ? values.First() : "no answer";
        transform.HttpContext.Response.Headers["X-Instance"] = name;
        transform.HttpContext.Response.Headers["X-Served-By"] = $"{name}/{pid}";
        return ValueTask.CompletedTask;
    }));
// Passive check: more than 30% of the last second's requests to a backend failed to reach it (the defaults look at a
// minute and at least 10 requests, which under load lets a dead backend fail requests for many seconds).
builder.Services.Configure<TransportFailureRateHealthPolicyOptions>(o => { o.MinimalTotalCountThreshold = 3; o.DetectionWindowSize = TimeSpan.FromSeconds(1); });

var app = builder.Build();
app.MapReverseProxy();
try
{
    await app.StartAsync();
}
catch (IOException e)
{
    Console.Error.WriteLine($"Proxy: cannot listen on 127.0.0.1:{options.Port}: {e.Message}");
    return 1;
}
backends.Attach(app.Services.GetRequiredService<InMemoryConfigProvider>(), app.Services.GetRequiredService<IProxyStateLookup>());

var stop = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult("SIGTERM"); });
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult("SIGINT"); });
ParentProcess.Disconnected += () => stop.TrySetResult("parent disconnected");
ParentProcess.Message += message => _ = backends.HandleAsync(message);

var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine($"Proxy listening on {url}, in front of {string.Join(", ", options.Backends.Select(b => $"{b.Key} ({b.Value})"))}");
if (ParentProcess.IsConnected)
{
    try
    {
        ParentProcess.Send(new { url, pid = Environment.ProcessId });
    }
    catch (InvalidOperationException)
    {
        // The channel closed just now: Disconnected stops the proxy.
    }
}

using var watch = new CancellationTokenSource();
var watching = backends.WatchHealthAsync(watch.Token);
var reason = await stop.Task;
watch.Cancel();
await watching;
await app.StopAsync(TimeSpan.FromSeconds(5));
Console.WriteLine($"Proxy stopped ({reason})");
return 0;

sealed record ProxyOptions(int Port, IReadOnlyDictionary<string, Uri> Backends, bool CookieAffinity, TimeSpan HealthInterval, bool PassiveCheck)
{
    public static ProxyOptions? Parse(string[] args, string usage)
    {
        var port = 0;
        var backends = new Dictionary<string, Uri>();
        var cookie = true;
        var interval = TimeSpan.FromSeconds(1);
        var passive = true;
        for (int i = 0; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--port" when int.TryParse(value, out var p) && p is >= 0 and <= 65535: port = p; break;
                case "--backend":
                    if (!Backend.TryParse(value, out var name, out var uri, out var problem)) return Fail(problem!);
                    if (!backends.TryAdd(name, uri)) return Fail($"two backends are named '{name}'");
                    break;
                case "--affinity" when value is "cookie" or "none": cookie = value == "cookie"; break;
                case "--health-interval" when int.TryParse(value, out var ms) && ms >= 100: interval = TimeSpan.FromMilliseconds(ms); break;
                case "--passive-check" when value is "on" or "off": passive = value == "on"; break;
                default: return Fail($"bad argument '{args[i]}'{(value is null ? "" : $" '{value}'")}");
            }
        }
        return backends.Count == 0 ? Fail("no --backend given") : new ProxyOptions(port, backends, cookie, interval, passive);

        ProxyOptions? Fail(string problem)
        {
            Console.Error.WriteLine($"Proxy: {problem}. {usage}");
            return null;
        }
    }
}

static class Backend
{
    public static bool TryParse(string? text, out string name, out Uri uri, out string? problem)
    {
        (name, uri, problem) = ("", null!, null);
        var equals = text?.IndexOf('=') ?? -1;
        if (text is null || equals <= 0)
        {
            problem = $"bad --backend '{text}': expected NAME=http://HOST:PORT";
            return false;
        }
        name = text[..equals];
        if (!Uri.TryCreate(text[(equals + 1)..], UriKind.Absolute, out uri!) || uri.Scheme is not ("http" or "https"))
        {
            problem = $"bad --backend '{text}': '{text[(equals + 1)..]}' is not an http:// URL";
            return false;
        }
        return true;
    }
}

/// <summary>The proxy's backends: YARP's cluster configuration, changes asked for by the parent, health reports.</summary>
sealed class Backends(ProxyOptions options)
{
    public const string ClusterId = "instances";
    private readonly object _gate = new();
    private readonly Dictionary<string, Uri> _current = new(options.Backends);
    private readonly ConcurrentDictionary<string, string> _reported = new();
    private InMemoryConfigProvider? _config;
    private IProxyStateLookup? _state;

    public ClusterConfig ClusterConfig()
    {
        lock (_gate)
        {
            return new ClusterConfig
            {
                ClusterId = ClusterId,
                LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin,
                Destinations = _current.ToDictionary(b => b.Key, b => new DestinationConfig { Address = b.Value.ToString() }),
                SessionAffinity = options.CookieAffinity
                    ? new SessionAffinityConfig
                    {
                        Enabled = true,
                        // HashCookie: the cookie holds a hash of the backend's name, valid across proxy restarts.
                        Policy = SessionAffinityConstants.Policies.HashCookie,
                        // A client whose backend is gone or unhealthy goes to another one (and gets a new cookie).
                        FailurePolicy = SessionAffinityConstants.FailurePolicies.Redistribute,
                        AffinityKeyName = "WorkbookProxyAffinity",
                    }
                    : null,
                HealthCheck = new HealthCheckConfig
                {
                    Active = new ActiveHealthCheckConfig
                    {
                        Enabled = true,
                        Interval = options.HealthInterval,
                        // A probe may take longer than the interval on a busy machine without the backend being down.
                        Timeout = options.HealthInterval * 2,
                        // Out after two failed probes in a row (YARP's default threshold), so one slow probe does not count.
                        Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                        Path = "/health",
                    },
                    Passive = new PassiveHealthCheckConfig
                    {
                        Enabled = options.PassiveCheck,
                        Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate,
                        ReactivationPeriod = TimeSpan.FromSeconds(10),
                    },
                },
            };
        }
    }

    public void Attach(InMemoryConfigProvider config, IProxyStateLookup state) => (_config, _state) = (config, state);

    public async Task HandleAsync(JsonElement message)
    {
        string op = message.TryGetProperty("op", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString()! : "";
        string? name = message.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        try
        {
            object reply = op switch
            {
                "status" => Reply(op),
                "remove" => await RemoveAsync(name ?? throw new ArgumentException("'remove' needs a name")),
                "add" => Add(name ?? throw new ArgumentException("'add' needs a name"),
                    message.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString()! : throw new ArgumentException("'add' needs a url")),
                _ => throw new ArgumentException($"unknown op '{op}': expected status, remove or add"),
            };
            Send(reply);
        }
        catch (ArgumentException e)
        {
            Send(new { op, error = e.Message });
        }
        catch (Exception e)
        {
            // Not the parent's mistake, but it must still get an answer rather than wait for one.
            Console.Error.WriteLine($"Proxy: '{op}' failed: {e}");
            Send(new { op, error = $"'{op}' failed: {e.Message}" });
        }
    }

    /// <summary>Takes a backend out: no new request goes there; returns once its requests in flight have finished (at most 30 s).</summary>
    private async Task<object> RemoveAsync(string name)
    {
        DestinationState? leaving = null;
        if (_state!.TryGetCluster(ClusterId, out var cluster)) cluster.Destinations.TryGetValue(name, out leaving);
        // Counted as the removal is asked for: a request may finish before the new configuration is applied.
        var atRemoval = leaving?.ConcurrentRequestCount ?? 0;
        lock (_gate)
        {
            if (!_current.Remove(name)) throw new ArgumentException($"no backend named '{name}'");
            Update();
        }
        var limit = TimeSpan.FromSeconds(30);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // YARP applies a new configuration a moment later: until then new requests may still be sent there.
        while (_state.TryGetCluster(ClusterId, out cluster) && cluster.Destinations.ContainsKey(name) && clock.Elapsed < limit)
            await Task.Delay(5);
        clock.Restart();
        // A request that chose the backend just before may not be counted in flight yet.
        await Task.Delay(50);
        var inFlight = Math.Max(atRemoval, leaving?.ConcurrentRequestCount ?? 0);
        while (leaving is not null && leaving.ConcurrentRequestCount > 0 && clock.Elapsed < limit)
            await Task.Delay(5);
        var timedOut = leaving is not null && leaving.ConcurrentRequestCount > 0;
        var drainedMs = inFlight == 0 ? 0 : clock.Elapsed.TotalMilliseconds;
        Console.WriteLine(timedOut ? $"Backend {name} removed; {leaving!.ConcurrentRequestCount} requests still in flight after {limit.TotalSeconds:0} s"
            : $"Backend {name} removed ({inFlight} requests were in flight, finished in {drainedMs:F0} ms)");
        return Reply("remove", new { name, inFlightAtRemoval = inFlight, drainedMs, timedOut });
    }

    private object Add(string name, string url)
    {
        if (!Backend.TryParse($"{name}={url}", out _, out var uri, out var problem)) throw new ArgumentException(problem);
        lock (_gate)
        {
            if (!_current.TryAdd(name, uri)) throw new ArgumentException($"a backend named '{name}' is already there");
            Update();
        }
        Console.WriteLine($"Backend {name} added ({uri})");
        return Reply("add", new { name });
    }

    private void Update()
    {
        var current = _config!.GetConfig();
        _config.Update(current.Routes, [ClusterConfig()]);
    }

    /// <summary>Reports every change of a backend's health to the parent (and on stdout), polling YARP's state.</summary>
    public async Task WatchHealthAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                foreach (var backend in Snapshot())
                {
                    if (_reported.TryGetValue(backend.Name, out var last) && last == backend.Health) continue;
                    _reported[backend.Name] = backend.Health;
                    if (backend.Health == "unknown") continue; // not probed yet
                    Console.WriteLine($"Backend {backend.Name}: {backend.Health} (active check: {backend.Active}, passive: {backend.Passive})");
                    Send(new { @event = "health", name = backend.Name, health = backend.Health, active = backend.Active, passive = backend.Passive });
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private object Reply(string op, object? detail = null) => new { op, detail, backends = Snapshot() };

    private List<BackendState> Snapshot()
    {
        var list = new List<BackendState>();
        if (_state?.TryGetCluster(ClusterId, out var cluster) != true) return list;
        foreach (var (name, destination) in cluster!.Destinations.OrderBy(d => d.Key))
        {
            var (active, passive) = (destination.Health.Active, destination.Health.Passive);
            var health = active == DestinationHealth.Unhealthy || passive == DestinationHealth.Unhealthy ? "unhealthy"
                : active == DestinationHealth.Healthy ? "healthy" : "unknown";
            list.Add(new BackendState(name, destination.Model.Config.Address, health, Lower(active), Lower(passive), destination.ConcurrentRequestCount));
        }
        return list;
    }

    private static string Lower(DestinationHealth health) => health.ToString().ToLowerInvariant();

    private static void Send(object message)
    {
        if (!ParentProcess.IsConnected) return;
        try
        {
            ParentProcess.Send(message);
        }
        catch (InvalidOperationException)
        {
            // The parent went away; the proxy is stopping.
        }
    }

    private sealed record BackendState(string Name, string Url, string Health, string Active, string Passive, int InFlight);
}
