using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Workbook.Notebooks;

/// <summary>A change of a backend's health as the proxy saw it, <see cref="At"/> seconds after the proxy started.</summary>
public sealed record HealthChange(double At, string Name, string Health);

/// <summary>A backend as the proxy sees it now.</summary>
public sealed record ProxyBackend(string Name, string Url, string Health, int InFlight);

/// <summary>
/// A backend taken out of the proxy: how many of its requests were in flight once the proxy had stopped choosing it,
/// and how long after the removal the last of them finished.
/// </summary>
public sealed record ProxyRemoval(string Name, int InFlightAtRemoval, double DrainedMs);

/// <summary>
/// examples/Proxy (YARP) forked in front of a set of backends, driven over its message channel: take a backend out
/// (it drains), put one in, read their health, follow the health checks' verdicts as they happen.
/// </summary>
public sealed class ReverseProxyExample : IAsyncDisposable
{
    private readonly RunningExample _proxy;
    private readonly Stopwatch _clock;
    private readonly ConcurrentQueue<HealthChange> _changes = new();
    private readonly SemaphoreSlim _oneRequest = new(1, 1);
    private TaskCompletionSource<JsonElement>? _reply;

    private ReverseProxyExample(RunningExample proxy, Stopwatch clock)
    {
        _proxy = proxy;
        _clock = clock;
        proxy.Process.Message += OnMessage;
    }

    /// <summary>The proxy's address: send the load here.</summary>
    public Uri Url => new(_proxy.Url);

    /// <summary>The proxy's process id.</summary>
    public int Pid => _proxy.Pid;

    /// <summary>Every health change reported so far, oldest first.</summary>
    public IReadOnlyList<HealthChange> HealthChanges => [.. _changes];

    /// <summary>Raised (on a channel thread) for each health change, e.g. to mark it on a load run's timeline.</summary>
    public event Action<HealthChange>? HealthChanged;

    /// <summary>
    /// Starts the proxy in front of <paramref name="backends"/> (name → URL) with cookie session affinity, an active
    /// health check of <c>GET /health</c> every <paramref name="healthInterval"/> and a passive one.
    /// </summary>
    public static async Task<ReverseProxyExample> StartAsync(IEnumerable<KeyValuePair<string, string>> backends, TimeSpan? healthInterval = null)
    {
        var args = new List<string> { "--port", "0", "--health-interval", ((int)(healthInterval ?? TimeSpan.FromSeconds(1)).TotalMilliseconds).ToString() };
        foreach (var (name, url) in backends) args.AddRange(["--backend", $"{name}={url}"]);
        var clock = Stopwatch.StartNew();
        return new ReverseProxyExample(await RunningExample.StartAsync("Proxy", args).ConfigureAwait(false), clock);
    }

    /// <summary>The backends and their health now.</summary>
    public async Task<IReadOnlyList<ProxyBackend>> StatusAsync() => Backends(await RequestAsync(new { op = "status" }).ConfigureAwait(false));

    /// <summary>Takes a backend out: no new request goes there; returns once its requests in flight have finished.</summary>
    public async Task<ProxyRemoval> RemoveAsync(string name)
    {
        var detail = (await RequestAsync(new { op = "remove", name }).ConfigureAwait(false)).GetProperty("detail");
        return new ProxyRemoval(name, detail.GetProperty("inFlightAtRemoval").GetInt32(), detail.GetProperty("drainedMs").GetDouble());
    }

    /// <summary>Puts a backend in; new clients can reach it at once, and the health checks start probing it.</summary>
    public async Task AddAsync(string name, string url) => await RequestAsync(new { op = "add", name, url }).ConfigureAwait(false);

    /// <summary>Waits until the proxy reports <paramref name="name"/> with <paramref name="health"/> (healthy / unhealthy).</summary>
    public async Task<HealthChange> WaitForHealthAsync(string name, string health, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_changes.LastOrDefault(c => c.Name == name) is { } last && last.Health == health) return last;
            await Task.Delay(20).ConfigureAwait(false);
        }
        throw new TimeoutException($"The proxy did not report {name} {health} within {timeout.TotalSeconds:0} s.");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _proxy.Process.Message -= OnMessage;
        await _proxy.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<JsonElement> RequestAsync(object message)
    {
        await _oneRequest.WaitAsync().ConfigureAwait(false);
        try
        {
            _reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            _proxy.Process.Send(message);
            var reply = await _reply.Task.WaitAsync(TimeSpan.FromSeconds(40)).ConfigureAwait(false);
            return reply.TryGetProperty("error", out var error) ? throw new InvalidOperationException($"Proxy: {error.GetString()}") : reply;
        }
        finally
        {
            _oneRequest.Release();
        }
    }

    private void OnMessage(JsonElement message)
    {
        if (message.TryGetProperty("event", out var kind) && kind.GetString() == "health")
        {
            var change = new HealthChange(_clock.Elapsed.TotalSeconds, message.GetProperty("name").GetString()!, message.GetProperty("health").GetString()!);
            _changes.Enqueue(change);
            HealthChanged?.Invoke(change);
        }
        else if (message.TryGetProperty("op", out _))
        {
            _reply?.TrySetResult(message.Clone());
        }
    }

    private static List<ProxyBackend> Backends(JsonElement reply) =>
        [.. reply.GetProperty("backends").EnumerateArray().Select(b => new ProxyBackend(
            b.GetProperty("name").GetString()!, b.GetProperty("url").GetString()!, b.GetProperty("health").GetString()!, b.GetProperty("inFlight").GetInt32()))];
}
