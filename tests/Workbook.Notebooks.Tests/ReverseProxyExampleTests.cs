using System.Diagnostics;
using System.Net;
using Workbook.Testing;

namespace Workbook.Notebooks.Tests;

/// <summary>
/// ReverseProxyExample, the class chapter 08 drives examples/Proxy (YARP) with, in front of two examples/Sessions
/// instances, each alone in its process (a "machine"): affinity, health checks, taking backends out and in.
/// The proxy program's own contract (arguments, its message protocol, stopping) is tested in Workbook.Examples.Tests.
/// </summary>
public class ReverseProxyExampleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_logged_in_client_stays_on_its_instance_and_new_clients_take_turns()
    {
        // Sessions in each instance's own memory: a page from the other instance would be a 401.
        await using var rig = await ProxyRig.StartAsync("memory");
        using var ada = new SessionClient(rig.Proxy.Url);
        var login = await ada.LoginAsync("ada");
        Assert.NotNull(ada.AffinityCookie);
        Assert.Equal($"{login.Instance}/{rig.Backends[login.Instance].Pid}", login.ServedBy);

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
        // One Redis-protocol store for both instances: the session outlives the instance it was made on.
        await using var rig = await ProxyRig.StartAsync("redis");
        using var ada = new SessionClient(rig.Proxy.Url);
        var login = await ada.LoginAsync("ada");
        var (dead, other) = (login.Instance, rig.Other(login.Instance));
        var cookie = ada.AffinityCookie;

        var clock = Stopwatch.StartNew();
        await rig.Backends[dead].KillAsync();
        var report = await rig.Proxy.WaitForHealthAsync(dead, "unhealthy", TimeSpan.FromSeconds(15));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"reported after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Contains("unhealthy", new[] { report.Active, report.Passive });

        var pages = await ada.PagesAsync(10);

        Assert.All(pages, p => Assert.Equal((HttpStatusCode.OK, other), (p.Status, p.Instance)));
        Assert.All(pages, p => Assert.StartsWith("Profile of ada", p.Body));
        Assert.NotEqual(cookie, ada.AffinityCookie); // re-affinitized to the instance that is left
        Assert.Equal("unhealthy", (await rig.Proxy.StatusAsync()).Single(b => b.Name == dead).Health);
    }

    [Fact]
    public async Task Remove_drains_a_backend_and_takes_it_out_add_puts_it_back_and_bad_requests_get_an_error()
    {
        await using var rig = await ProxyRig.StartAsync("memory");
        // A request in flight: an upload whose end the test holds back.
        var body = new HeldBody();
        using var uploader = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var upload = uploader.PostAsync(new Uri(rig.Proxy.Url, "/echo"), body);
        var busy = await BackendWithARequestInFlightAsync(rig.Proxy);
        var other = rig.Other(busy);

        var removing = rig.Proxy.RemoveAsync(busy);
        using var newcomer = new SessionClient(rig.Proxy.Url, cookies: false);
        // Out for new requests as soon as the proxy has the new configuration (a moment after the message):
        // taking turns, two backends never answer four requests in a row from the same one.
        var clock = Stopwatch.StartNew();
        for (var inARow = 0; inARow < 4; inARow = (await newcomer.GetAsync("/health")).Instance == other ? inARow + 1 : 0)
            Assert.True(clock.Elapsed < Timeout, $"{busy} still gets new requests");
        Assert.False(removing.IsCompleted, "the remove was answered while a request to the backend was in flight");
        body.Release(); // the reply comes once its request in flight has finished
        var removed = await removing;
        using var uploaded = await upload.WaitAsync(Timeout);

        Assert.Equal((HttpStatusCode.OK, busy), (uploaded.StatusCode, uploaded.Headers.GetValues("X-Instance").Single()));
        Assert.Equal(busy, removed.Name); // as the proxy named it in its reply
        // The held upload, and perhaps one of the requests above if it got there before the remove did: the proxy
        // counts in flight when the removal is asked for and once it is applied, and reports the larger.
        Assert.InRange(removed.InFlightAtRemoval, 1, 2);
        // Drained once the test let the upload finish: some time after the removal, not at once, and not by the 30 s limit.
        Assert.True(removed.DrainedMs > 0);
        Assert.False(removed.TimedOut);
        Assert.Equal([other], (await rig.Proxy.StatusAsync()).Select(b => b.Name));
        var after = new List<SessionClient.Page>();
        for (int i = 0; i < 6; i++) after.Add(await newcomer.GetAsync("/health"));
        Assert.All(after, p => Assert.Equal(other, p.Instance));

        await rig.Proxy.AddAsync(busy, rig.Backends[busy].Url);
        Assert.Equal(["a", "b"], (await rig.Proxy.StatusAsync()).Select(b => b.Name));
        var seen = new List<string>();
        while (seen.Count < 10 && !seen.Contains(busy)) seen.Add((await newcomer.GetAsync("/health")).Instance);
        Assert.Contains(busy, seen);

        // What the proxy refuses comes back as an error that names the problem.
        Assert.Contains("no backend named 'nope'", (await Assert.ThrowsAsync<InvalidOperationException>(() => rig.Proxy.RemoveAsync("nope"))).Message);
        Assert.Contains($"a backend named '{busy}' is already there",
            (await Assert.ThrowsAsync<InvalidOperationException>(() => rig.Proxy.AddAsync(busy, "http://127.0.0.1:1/"))).Message);
        Assert.Contains("'ftp://x' is not an http:// URL", (await Assert.ThrowsAsync<InvalidOperationException>(() => rig.Proxy.AddAsync("c", "ftp://x"))).Message);
        Assert.Equal(2, (await rig.Proxy.StatusAsync()).Count); // still running, still answering
        Assert.False(Process.GetProcessById(rig.Proxy.Pid).HasExited);
    }

    /// <summary>The backend the proxy's status shows with a request in flight (polled until there is one).</summary>
    private static async Task<string> BackendWithARequestInFlightAsync(ReverseProxyExample proxy)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var status = await proxy.StatusAsync();
            if (status.FirstOrDefault(b => b.InFlight > 0) is { } busy) return busy.Name;
            if (deadline.Elapsed > Timeout) throw new TimeoutException($"no request in flight; last status: {string.Join(", ", status)}");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Two Sessions instances "a" and "b" (each one process, <c>--no-cluster</c>; with the redis store both use one
    /// store) and a ReverseProxyExample in front of them. Disposing stops all of them, whatever was started.
    /// </summary>
    private sealed class ProxyRig : IAsyncDisposable
    {
        private RedisStore? _store;

        public Dictionary<string, RunningExample> Backends { get; } = [];

        public ReverseProxyExample Proxy { get; private set; } = null!;

        public string Other(string name) => Backends.Keys.Single(n => n != name);

        /// <summary>Starts the instances, then the proxy, probing every 500 ms (a probe may take a second: a busy machine is not a dead backend).</summary>
        public static async Task<ProxyRig> StartAsync(string store)
        {
            var rig = new ProxyRig();
            try
            {
                List<string> args = ["--port", "0", "--no-cluster", "--store", store];
                if (store == "redis")
                {
                    rig._store = await RedisStore.StartAsync();
                    args.AddRange(["--redis-url", rig._store.Url]);
                }
                foreach (var name in new[] { "a", "b" }) rig.Backends[name] = await RunningExample.StartAsync("Sessions", args);
                rig.Proxy = await ReverseProxyExample.StartAsync(rig.Backends.Select(b => KeyValuePair.Create(b.Key, b.Value.Url)), TimeSpan.FromMilliseconds(500));
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
            if (_store is not null) await _store.DisposeAsync();
        }
    }

    /// <summary>A request body sent in two parts, the second only once <see cref="Release"/> is called: a request kept in flight.</summary>
    private sealed class HeldBody : HttpContent
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _released.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync("first part, "u8.ToArray());
            await stream.FlushAsync();
            await _released.Task.WaitAsync(Timeout);
            await stream.WriteAsync("second part"u8.ToArray());
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
