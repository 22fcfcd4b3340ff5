using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;
using Workbook.Processes;
using Workbook.Testing;

namespace Workbook.Examples.Tests;

/// <summary>
/// examples/Proxy (YARP) forked in front of two examples/Sessions instances, each alone in its process (a "machine"):
/// affinity, health checks, taking backends out and in over its message channel, and its command-line contract.
/// </summary>
public class ProxyExampleTests
{
    [Fact]
    public async Task A_logged_in_client_stays_on_its_instance_and_new_clients_take_turns()
    {
        // Sessions in each instance's own memory: a page from the other instance would be a 401.
        await using var rig = await ProxyRig.StartAsync("memory");
        using var ada = new SessionClient(rig.Proxy.Url);
        var login = await ada.LoginAsync("ada");
        Assert.NotNull(ada.AffinityCookie);
        Assert.Equal($"{login.Instance}/{rig.Backends[login.Instance].Process.Pid}", login.ServedBy);

        var pages = await ada.PagesAsync(20);

        Assert.All(pages, p => Assert.Equal((HttpStatusCode.OK, login.Instance), (p.Status, p.Instance)));
        var other = rig.Other(login.Instance);
        using var newcomer = new SessionClient(rig.Proxy.Url, cookies: false);
        var seen = new List<string>();
        while (seen.Count < 10 && !seen.Contains(other)) seen.Add((await newcomer.GetAsync("/health")).Instance);
        Assert.Contains(other, seen);
    }

    [Fact]
    public async Task A_killed_backend_is_reported_unhealthy_and_its_clients_move_to_the_other_with_their_session()
    {
        // One Redis-protocol server for both instances: the session outlives the instance it was made on.
        await using var rig = await ProxyRig.StartAsync("redis");
        using var ada = new SessionClient(rig.Proxy.Url);
        var login = await ada.LoginAsync("ada");
        var (dead, other) = (login.Instance, rig.Other(login.Instance));
        var cookie = ada.AffinityCookie;

        var clock = Stopwatch.StartNew();
        rig.Backends[dead].Process.Kill("SIGKILL");
        var report = await rig.Proxy.WaitForHealthAsync(dead, "unhealthy", TimeSpan.FromSeconds(15));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"reported after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Contains("unhealthy", new[] { report.GetProperty("active").GetString(), report.GetProperty("passive").GetString() });

        var pages = await ada.PagesAsync(10);

        Assert.All(pages, p => Assert.Equal((HttpStatusCode.OK, other), (p.Status, p.Instance)));
        Assert.All(pages, p => Assert.StartsWith("Profile of ada", p.Body));
        Assert.NotEqual(cookie, ada.AffinityCookie); // re-affinitized to the instance that is left
        var status = await rig.Proxy.RequestAsync(new { op = "status" });
        Assert.Equal("unhealthy", ProxyApp.Backends(status).Single(b => b.GetProperty("name").GetString() == dead).GetProperty("health").GetString());
    }

    [Fact]
    public async Task Remove_drains_a_backend_and_takes_it_out_add_puts_it_back_and_bad_requests_get_an_error()
    {
        await using var rig = await ProxyRig.StartAsync("memory");
        // A request in flight: an upload whose end the test holds back.
        var body = new HeldBody();
        using var uploader = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var upload = uploader.PostAsync(new Uri(rig.Proxy.Url, "/echo"), body);
        var busy = await rig.Proxy.BackendWithARequestInFlightAsync();
        var other = rig.Other(busy);

        var removing = rig.Proxy.RequestAsync(new { op = "remove", name = busy });
        using var newcomer = new SessionClient(rig.Proxy.Url, cookies: false);
        // Out for new requests as soon as the proxy has the new configuration (a moment after the message):
        // taking turns, two backends never answer four requests in a row from the same one.
        var clock = Stopwatch.StartNew();
        for (var inARow = 0; inARow < 4; inARow = (await newcomer.GetAsync("/health")).Instance == other ? inARow + 1 : 0)
            Assert.True(clock.Elapsed < Programs.Timeout, $"{busy} still gets new requests");
        Assert.False(removing.IsCompleted, "the remove was answered while a request to the backend was in flight");
        body.Release(); // the reply comes once its request in flight has finished
        var removed = await removing;
        using var uploaded = await upload.WaitAsync(Programs.Timeout);

        Assert.Equal((HttpStatusCode.OK, busy), (uploaded.StatusCode, uploaded.Headers.GetValues("X-Instance").Single()));
        Assert.Equal("remove", removed.GetProperty("op").GetString());
        var detail = removed.GetProperty("detail");
        Assert.Equal(busy, detail.GetProperty("name").GetString());
        // The held upload, and perhaps one of the requests above if it got there before the remove did.
        Assert.InRange(detail.GetProperty("inFlightAtRemoval").GetInt32(), 1, 2);
        // Drained once the test let the upload finish: some time after the removal, not at once, and not by the 30 s limit.
        Assert.True(detail.GetProperty("drainedMs").GetDouble() > 0);
        Assert.False(detail.GetProperty("timedOut").GetBoolean());
        Assert.Equal([other], ProxyApp.Backends(removed).Select(b => b.GetProperty("name").GetString()));
        var after = new List<SessionClient.Page>();
        for (int i = 0; i < 6; i++) after.Add(await newcomer.GetAsync("/health"));
        Assert.All(after, p => Assert.Equal(other, p.Instance));

        var added = await rig.Proxy.RequestAsync(new { op = "add", name = busy, url = rig.Backends[busy].Url.ToString() });
        Assert.Equal(busy, added.GetProperty("detail").GetProperty("name").GetString());
        Assert.Equal(["a", "b"], ProxyApp.Backends(added).Select(b => b.GetProperty("name").GetString()));
        var seen = new List<string>();
        while (seen.Count < 10 && !seen.Contains(busy)) seen.Add((await newcomer.GetAsync("/health")).Instance);
        Assert.Contains(busy, seen);

        Assert.Contains("no backend named 'nope'", await rig.Proxy.ErrorAsync(new { op = "remove", name = "nope" }, "remove"));
        Assert.Contains($"a backend named '{busy}' is already there", await rig.Proxy.ErrorAsync(new { op = "add", name = busy, url = "http://127.0.0.1:1/" }, "add"));
        Assert.Contains("'ftp://x' is not an http:// URL", await rig.Proxy.ErrorAsync(new { op = "add", name = "c", url = "ftp://x" }, "add"));
        Assert.Contains("unknown op 'restart'", await rig.Proxy.ErrorAsync(new { op = "restart" }, "restart"));
        var status = await rig.Proxy.RequestAsync(new { op = "status" }); // still running, still answering
        Assert.Equal(2, ProxyApp.Backends(status).Count);
        Assert.True(rig.Proxy.Process.IsRunning);
    }

    [Theory]
    [InlineData("", "no --backend given")]
    [InlineData("--backend nonsense", "bad --backend 'nonsense': expected NAME=http://HOST:PORT")]
    [InlineData("--backend a=ftp://x", "'ftp://x' is not an http:// URL")]
    [InlineData("--backend a=http://127.0.0.1:1 --backend a=http://127.0.0.1:2", "two backends are named 'a'")]
    [InlineData("--backend a=http://127.0.0.1:1 --verbose", "bad argument '--verbose'")]
    [InlineData("--backend a=http://127.0.0.1:1 --health-interval 5", "bad argument '--health-interval' '5'")]
    public async Task Bad_arguments_exit_with_2_and_one_line_naming_the_problem(string args, string problem)
    {
        var bad = await Assert.ThrowsAsync<ExecException>(() => ChildProcess.ExecFileAsync("dotnet",
            [ProxyApp.Dll, .. args.Split(' ', StringSplitOptions.RemoveEmptyEntries)], new ExecOptions { Timeout = Programs.Timeout }));

        Assert.Equal(2, bad.Code);
        var line = Assert.Single(bad.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(problem, line);
    }

    [Fact]
    public async Task A_port_in_use_exits_with_1_and_says_so()
    {
        using var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        var port = ((IPEndPoint)occupier.LocalEndpoint).Port;

        var failed = await Assert.ThrowsAsync<ExecException>(() => ChildProcess.ExecFileAsync("dotnet",
            [ProxyApp.Dll, "--backend", "a=http://127.0.0.1:1", "--port", port.ToString()], new ExecOptions { Timeout = Programs.Timeout }));

        Assert.Equal(1, failed.Code);
        Assert.Contains($"cannot listen on 127.0.0.1:{port}", failed.Stderr);
    }

    [Theory]
    [InlineData("parent disconnected")]
    [InlineData("SIGTERM")]
    public async Task It_stops_with_0_when_its_parent_disconnects_or_on_SIGTERM(string reason)
    {
        // Nothing listens at the backend's address: the proxy runs all the same (and finds it unhealthy).
        await using var proxy = await ProxyApp.StartAsync([("a", new Uri($"http://127.0.0.1:{Programs.FreePort()}/"))]);

        if (reason == "SIGTERM") proxy.Process.Kill("SIGTERM");
        else proxy.Process.Disconnect();

        Assert.Equal(new ChildExit(0, null), await proxy.Process.Exited.WaitAsync(Programs.Timeout));
        await proxy.Process.Closed.WaitAsync(Programs.Timeout);
        Assert.Contains($"Proxy stopped ({reason})", proxy.Output);
        Assert.Null(await Programs.PortStillTaken(proxy.Url.Port, TimeSpan.FromSeconds(1)));
    }
}

/// <summary>
/// Two Sessions instances "a" and "b" (each one process, <c>--no-cluster</c>; with the redis store both use one
/// RedisServer) and a proxy in front of them. Disposing stops all of them, whatever was started.
/// </summary>
internal sealed class ProxyRig : IAsyncDisposable
{
    private static readonly string RedisServerDll = Programs.RedisServerExample;

    private ChildProcess? _redis;

    public Dictionary<string, SessionsApp> Backends { get; } = [];

    public ProxyApp Proxy { get; private set; } = null!;

    public string Other(string name) => Backends.Keys.Single(n => n != name);

    public static async Task<ProxyRig> StartAsync(string store)
    {
        var rig = new ProxyRig();
        try
        {
            string[] storeArgs = ["--store", store];
            if (store == "redis")
            {
                rig._redis = ChildProcess.Fork(RedisServerDll, ["--port", "0"], new ForkOptions { Stdio = StdioMode.Ignore });
                var ready = await rig._redis.NextMessageAsync().WaitAsync(Programs.Timeout);
                storeArgs = [.. storeArgs, "--redis-url", ready.GetProperty("url").GetString()!];
            }
            foreach (var name in new[] { "a", "b" }) rig.Backends[name] = await SessionsApp.StartAsync(["--no-cluster", .. storeArgs]);
            rig.Proxy = await ProxyApp.StartAsync(rig.Backends.Select(b => (b.Key, b.Value.Url)));
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Proxy is not null) await Proxy.DisposeAsync();
        foreach (var backend in Backends.Values) await backend.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync(); // disconnects: RedisServer stops by itself
    }
}

/// <summary>examples/Proxy as a forked child: its address, its health reports, requests to it and their replies; SIGTERM on dispose.</summary>
internal sealed class ProxyApp : IAsyncDisposable
{
    public static readonly string Dll = Programs.ProxyExample;

    private readonly System.Text.StringBuilder _output = new();
    private readonly TaskCompletionSource<JsonElement> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<JsonElement> _health = new();
    private readonly Channel<JsonElement> _replies = Channel.CreateUnbounded<JsonElement>();
    private readonly SemaphoreSlim _oneRequest = new(1, 1);

    private ProxyApp(ChildProcess process) => Process = process;

    public ChildProcess Process { get; }

    public Uri Url { get; private set; } = null!;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Forks the proxy on a free port, probing every 500 ms (a probe may take a second: a busy machine is not a dead backend).</summary>
    public static async Task<ProxyApp> StartAsync(IEnumerable<(string Name, Uri Url)> backends)
    {
        string[] args = ["--port", "0", "--health-interval", "500", .. backends.SelectMany(b => new[] { "--backend", $"{b.Name}={b.Url}" })];
        var process = ChildProcess.Fork(Dll, args, new ForkOptions { Stdio = StdioMode.Pipe });
        var app = new ProxyApp(process);
        process.Message += app.OnMessage; // before any message can arrive: none is missed
        process.Stdout!.Data += text => { lock (app._output) app._output.Append(text); };
        process.Stderr!.Data += text => { lock (app._output) app._output.Append(text); };
        try
        {
            if (await Task.WhenAny(app._started.Task, process.Exited).WaitAsync(Programs.Timeout) != app._started.Task)
                throw new InvalidOperationException($"it exited with {process.Exited.Result}");
            var started = await app._started.Task;
            Assert.Equal(process.Pid, started.GetProperty("pid").GetInt32());
            app.Url = new Uri(started.GetProperty("url").GetString()!);
            return app;
        }
        catch (Exception e)
        {
            await app.DisposeAsync();
            throw new InvalidOperationException($"The proxy did not start: {e.Message}\n{app.Output}", e);
        }
    }

    /// <summary>Sends a request and returns the proxy's reply (one request at a time).</summary>
    public async Task<JsonElement> RequestAsync(object request)
    {
        await _oneRequest.WaitAsync();
        try
        {
            Process.Send(request);
            return await _replies.Reader.ReadAsync().AsTask().WaitAsync(Programs.Timeout);
        }
        finally
        {
            _oneRequest.Release();
        }
    }

    /// <summary>Sends a request the proxy must refuse; the error it names.</summary>
    public async Task<string> ErrorAsync(object request, string op)
    {
        var reply = await RequestAsync(request);
        Assert.Equal(op, reply.GetProperty("op").GetString());
        Assert.False(reply.TryGetProperty("backends", out _), $"expected an error, got {reply}");
        return reply.GetProperty("error").GetString()!;
    }

    public static List<JsonElement> Backends(JsonElement reply) => [.. reply.GetProperty("backends").EnumerateArray()];

    /// <summary>Waits until the proxy's latest health report for <paramref name="name"/> is <paramref name="health"/>.</summary>
    public async Task<JsonElement> WaitForHealthAsync(string name, string health, TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var last = _health.LastOrDefault(e => e.GetProperty("name").GetString() == name);
            if (last.ValueKind == JsonValueKind.Object && last.GetProperty("health").GetString() == health) return last;
            if (deadline.Elapsed > within)
                throw new TimeoutException($"no {health} report for {name} within {within.TotalSeconds:0} s; reports: {string.Join(", ", _health)}\n{Output}");
            await Task.Delay(20);
        }
    }

    /// <summary>The backend the proxy's status shows with a request in flight (polled until there is one).</summary>
    public async Task<string> BackendWithARequestInFlightAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var status = await RequestAsync(new { op = "status" });
            if (Backends(status).FirstOrDefault(b => b.GetProperty("inFlight").GetInt32() > 0) is { ValueKind: JsonValueKind.Object } busy)
                return busy.GetProperty("name").GetString()!;
            if (deadline.Elapsed > Programs.Timeout) throw new TimeoutException($"no request in flight; last status: {status}");
            await Task.Delay(20);
        }
    }

    private void OnMessage(JsonElement message)
    {
        if (message.TryGetProperty("url", out _)) _started.TrySetResult(message.Clone());
        else if (message.TryGetProperty("event", out _)) _health.Enqueue(message.Clone());
        else _replies.Writer.TryWrite(message.Clone());
    }

    public async ValueTask DisposeAsync()
    {
        Process.Kill("SIGTERM");
        if (await Task.WhenAny(Process.Exited, Task.Delay(Programs.Timeout)) != Process.Exited) Process.Kill("SIGKILL");
        await Process.Exited;
    }
}

/// <summary>A request body sent in two parts, the second only once <see cref="Release"/> is called: a request kept in flight.</summary>
internal sealed class HeldBody : HttpContent
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _released.TrySetResult();

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await stream.WriteAsync("first part, "u8.ToArray());
        await stream.FlushAsync();
        await _released.Task.WaitAsync(Programs.Timeout);
        await stream.WriteAsync("second part"u8.ToArray());
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
