using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Workbook.LoadTesting;

namespace Workbook.Notebooks;

/// <summary>
/// examples/Proxy (YARP) forked in front of a set of backends, driven over its message channel: take a backend out
/// (it drains), put one in, read their health, follow the health checks' verdicts as they happen.
/// </summary>
public sealed class ReverseProxyExample : IAsyncDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private RunningExample _proxy = null!; // set by StartAsync before the instance is handed out
    private readonly ConcurrentQueue<HealthChange> _changes = new();
    private readonly SemaphoreSlim _oneRequest = new(1, 1);
    private TaskCompletionSource<JsonElement>? _reply;

    private ReverseProxyExample()
    {
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
    /// health check of <c>GET /health</c> every <paramref name="healthInterval"/> and, unless
    /// <paramref name="passiveCheck"/> is false, a passive one (failed forwards).
    /// </summary>
    public static async Task<ReverseProxyExample> StartAsync(IEnumerable<KeyValuePair<string, string>> backends, TimeSpan? healthInterval = null,
        bool passiveCheck = true)
    {
        var args = new List<string> { "--port", "0", "--health-interval", ((int)(healthInterval ?? TimeSpan.FromSeconds(1)).TotalMilliseconds).ToString(),
            "--passive-check", passiveCheck ? "on" : "off" };
        foreach (var (name, url) in backends) args.AddRange(["--backend", $"{name}={url}"]);
        var proxy = new ReverseProxyExample();
        proxy._proxy = await RunningExample.StartAsync("Proxy", args, onMessage: proxy.OnMessage).ConfigureAwait(false);
        return proxy;
    }

    /// <summary>Starts the proxy in front of <paramref name="backends"/> as <see cref="StatusAsync"/> lists them (e.g. another proxy's).</summary>
    public static Task<ReverseProxyExample> StartAsync(IEnumerable<ProxyBackend> backends, TimeSpan? healthInterval = null, bool passiveCheck = true) =>
        StartAsync(backends.Select(b => KeyValuePair.Create(b.Name, b.Url)), healthInterval, passiveCheck);

    /// <summary>The backends and their health now.</summary>
    public async Task<IReadOnlyList<ProxyBackend>> StatusAsync() => Backends(await RequestAsync(new { op = "status" }).ConfigureAwait(false));

    /// <summary>Takes a backend out: no new request goes there; returns once its requests in flight have finished.</summary>
    public async Task<ProxyRemoval> RemoveAsync(string name)
    {
        var detail = (await RequestAsync(new { op = "remove", name }).ConfigureAwait(false)).GetProperty("detail");
        return new ProxyRemoval(detail.GetProperty("name").GetString()!, detail.GetProperty("inFlightAtRemoval").GetInt32(),
            detail.GetProperty("drainedMs").GetDouble(), detail.GetProperty("timedOut").GetBoolean());
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

    /// <summary>
    /// Marks every health change the proxy reports from now on on <paramref name="run"/>'s timeline ("b1 unhealthy"),
    /// until the returned handle is disposed.
    /// </summary>
    public IDisposable MarkHealthChanges(SessionLoadRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        void Mark(HealthChange change) => run.Mark($"{change.Name} {change.Health}");
        HealthChanged += Mark;
        return new Unsubscribe(() => HealthChanged -= Mark);
    }

    private sealed class Unsubscribe(Action undo) : IDisposable
    {
        private Action? _undo = undo;

        public void Dispose() => Interlocked.Exchange(ref _undo, null)?.Invoke();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _proxy.DisposeAsync().ConfigureAwait(false);

    private async Task<JsonElement> RequestAsync(object message)
    {
        await _oneRequest.WaitAsync().ConfigureAwait(false);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _reply = reply;
            _proxy.Process.Send(message);
            // A removal waits for requests in flight (at most 30 s in the proxy); a proxy that died answers never.
            var done = await Task.WhenAny(reply.Task, _proxy.Process.Exited, Task.Delay(TimeSpan.FromSeconds(40))).ConfigureAwait(false);
            if (done != reply.Task)
                throw new InvalidOperationException(done == _proxy.Process.Exited ? "The proxy exited without answering." : "The proxy did not answer within 40 s.");
            var answer = reply.Task.Result;
            return answer.TryGetProperty("error", out var error) ? throw new InvalidOperationException($"Proxy: {error.GetString()}") : answer;
        }
        finally
        {
            _reply = null; // a late answer must not complete the next request
            _oneRequest.Release();
        }
    }

    private void OnMessage(JsonElement message)
    {
        if (message.TryGetProperty("event", out var kind) && kind.GetString() == "health")
        {
            string? Verdict(string check) => message.TryGetProperty(check, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var change = new HealthChange(_clock.Elapsed.TotalSeconds, message.GetProperty("name").GetString()!, message.GetProperty("health").GetString()!,
                Verdict("active"), Verdict("passive"));
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
