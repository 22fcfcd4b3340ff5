using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Workbook.Cluster.Tests;

public class StickyRoutingTests
{
    private static ClusterSettings Sticky(SessionAffinity affinity, int workers = 2) =>
        Programs.Settings(workers) with { SessionAffinity = affinity };

    [Fact]
    public async Task By_client_ip_each_address_keeps_its_worker_over_100_connections()
    {
        var primary = await ClusterPrimary.StartAsync(Sticky(SessionAffinity.ClientIp)).WaitAsync(Programs.Timeout);
        try
        {
            var seen = new Dictionary<string, HashSet<string>>();
            foreach (var source in Enumerable.Range(1, 6).Select(i => IPAddress.Parse($"127.0.0.{i}")))
            {
                var pids = seen[source.ToString()] = [];
                for (int i = 0; i < (source.ToString() == "127.0.0.1" ? 100 : 20); i++)
                    pids.Add((await RawHttp.SendAsync(primary.Url, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", source)).Pid);
            }
            Assert.All(seen, s => Assert.True(s.Value.Count == 1, $"{s.Key} reached workers {string.Join(", ", s.Value)}"));
            var workersUsed = seen.Values.Select(v => v.Single()).Distinct().Count();
            Assert.Equal(2, workersUsed); // six addresses over two workers: both get some (checked for this hash)
            Assert.Equal(100 + 5 * 20, primary.StickyConnections);
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task By_cookie_a_client_keeps_its_worker_and_new_clients_spread()
    {
        var primary = await ClusterPrimary.StartAsync(Sticky(SessionAffinity.Cookie)).WaitAsync(Programs.Timeout);
        try
        {
            // New clients (no cookie): round-robin, and each answer names its worker in the cookie.
            var first = new List<RawHttp.Response>();
            for (int i = 0; i < 10; i++) first.Add(await RawHttp.SendAsync(primary.Url, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
            Assert.Equal([5, 5], first.GroupBy(r => r.Pid).Select(g => g.Count()));
            var cookie = first[0].SetCookie("WorkbookAffinity");
            var worker = primary.Workers.Values.Single(w => w.Pid.ToString() == first[0].Pid);
            Assert.Equal(worker.Id.ToString(), cookie);

            // The same cookie, 50 new connections: the same worker every time, and no new cookie.
            for (int i = 0; i < 50; i++)
            {
                var again = await RawHttp.SendAsync(primary.Url, $"GET / HTTP/1.1\r\nHost: x\r\nCookie: a=1; WorkbookAffinity={cookie}; b=2\r\nConnection: close\r\n\r\n");
                Assert.Equal(first[0].Pid, again.Pid);
                Assert.Null(again.SetCookie("WorkbookAffinity"));
            }
            Assert.Equal(50, primary.StickyConnections);
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_client_whose_worker_died_is_rerouted_at_once_and_gets_a_new_cookie()
    {
        var primary = await ClusterPrimary.StartAsync(Sticky(SessionAffinity.Cookie) with { Restart = RestartPolicy.Never }).WaitAsync(Programs.Timeout);
        try
        {
            var first = await RawHttp.SendAsync(primary.Url, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            var gone = primary.Workers.Values.Single(w => w.Pid.ToString() == first.Pid);
            gone.Process.Kill("SIGKILL");
            await gone.Exited.WaitAsync(Programs.Timeout);

            var after = await RawHttp.SendAsync(primary.Url, $"GET / HTTP/1.1\r\nHost: x\r\nCookie: WorkbookAffinity={gone.Id}\r\nConnection: close\r\n\r\n")
                .WaitAsync(TimeSpan.FromSeconds(5));
            var survivor = primary.Workers.Values.Single();
            Assert.Equal(survivor.Pid.ToString(), after.Pid);
            Assert.Equal(survivor.Id.ToString(), after.SetCookie("WorkbookAffinity"));
            Assert.Equal(1, primary.ReroutedConnections);
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task Under_cookie_routing_every_byte_the_primary_peeked_at_reaches_the_worker()
    {
        // The Sessions example echoes a body's length and hash; a large body and a head sent in two pieces.
        var primary = await ClusterPrimary.StartAsync(new ClusterSettings
        {
            Exec = Programs.SessionsExample,
            Workers = 2,
            Port = 0,
            SessionAffinity = SessionAffinity.Cookie,
            WorkerOutput = TextWriter.Null,
        }).WaitAsync(Programs.Timeout);
        try
        {
            var body = new byte[1 << 20];
            Random.Shared.NextBytes(body);
            var expected = $"{body.Length} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(body))}";
            var workerId = primary.Workers.Keys.Max();
            var padding = new string('p', 6000); // a long head: more than one peek may be needed
            var head = $"POST /echo HTTP/1.1\r\nHost: x\r\nX-Padding: {padding}\r\nCookie: WorkbookAffinity={workerId}\r\n" +
                $"Content-Length: {body.Length}\r\nConnection: close\r\n\r\n";

            var whole = await RawHttp.SendAsync(primary.Url, head, body: body);
            Assert.Equal(expected, whole.Body.Trim());
            Assert.Equal(primary.Workers[workerId].Pid.ToString(), whole.Pid);

            var split = await RawHttp.SendAsync(primary.Url, head, body: body, pauseInHead: TimeSpan.FromMilliseconds(200));
            Assert.Equal(expected, split.Body.Trim());
            Assert.Equal(primary.Workers[workerId].Pid.ToString(), split.Pid);
            Assert.Equal(2, primary.StickyConnections);

            // A head longer than the primary reads (8 KiB): it stops looking for the cookie and routes round-robin;
            // the request is still served whole.
            var tooLong = await RawHttp.SendAsync(primary.Url, head.Replace(padding, new string('q', 12000)), body: body);
            Assert.Equal(expected, tooLong.Body.Trim());
            Assert.Equal(2, primary.StickyConnections);
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task By_client_ip_a_client_whose_worker_is_gone_keeps_one_other_worker()
    {
        var primary = await ClusterPrimary.StartAsync(Sticky(SessionAffinity.ClientIp, workers: 3) with { Restart = RestartPolicy.Never }).WaitAsync(Programs.Timeout);
        try
        {
            const string request = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
            var first = await RawHttp.SendAsync(primary.Url, request);
            var gone = primary.Workers.Values.Single(w => w.Pid.ToString() == first.Pid);
            gone.Process.Kill("SIGKILL");
            await gone.Exited.WaitAsync(Programs.Timeout);

            var after = new HashSet<string>();
            for (int i = 0; i < 20; i++) after.Add((await RawHttp.SendAsync(primary.Url, request)).Pid);

            var other = Assert.Single(after); // one of the two left, every time: not a new worker per connection
            Assert.NotEqual(first.Pid, other);
            Assert.Equal(20, primary.ReroutedConnections);
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task By_cookie_a_connection_that_sends_nothing_in_time_is_still_served_and_peeking_ends_with_the_cluster()
    {
        var primary = await ClusterPrimary.StartAsync(Sticky(SessionAffinity.Cookie) with { AffinityReadTimeout = TimeSpan.FromMilliseconds(300) }).WaitAsync(Programs.Timeout);
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Quiet past the timeout, then a request: the primary stopped waiting for the head and routed it anyway.
            var late = await RawHttp.SendAsync(primary.Url, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", pauseBeforeHead: TimeSpan.FromMilliseconds(800));
            Assert.Equal(200, late.Status);

            // A connection still being watched when the cluster stops is closed, not left hanging.
            await silent.ConnectAsync(IPAddress.Loopback, primary.Url.Port);
            await Task.Delay(100); // accepted and watched by now
        }
        finally
        {
            await primary.DisposeAsync();
        }
        using var timeout = new CancellationTokenSource(Programs.Timeout);
        try
        {
            Assert.Equal(0, await silent.ReceiveAsync(new byte[16], SocketFlags.None, timeout.Token)); // closed by the primary
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // Also closed: reset, as when it was still in the listener's queue.
        }
    }

    [Fact]
    public void Affinity_needs_round_robin_and_a_valid_cookie_name()
    {
        var error = Assert.Throws<ArgumentException>(() => new ClusterPrimary(Sticky(SessionAffinity.ClientIp) with { SchedulingPolicy = SchedulingPolicy.ReusePort }));
        Assert.Contains("needs the round-robin policy", error.Message);
        error = Assert.Throws<ArgumentException>(() => new ClusterPrimary(Sticky(SessionAffinity.Cookie) with { AffinityCookieName = "bad name;" }));
        Assert.Contains("not a valid cookie name", error.Message);
    }
}

/// <summary>HTTP/1.1 over a plain socket: full control of the source address and of how the request is sent.</summary>
internal static class RawHttp
{
    public sealed record Response(int Status, string Head, string Body)
    {
        public string Pid => Header("X-Worker-Pid") ?? "";

        public string? Header(string name) => Head.Split("\r\n").Skip(1)
            .Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)).Select(l => l[(name.Length + 1)..].Trim()).FirstOrDefault();

        public string? SetCookie(string name) => Head.Split("\r\n").Skip(1)
            .Where(l => l.StartsWith("Set-Cookie:", StringComparison.OrdinalIgnoreCase))
            .Select(l => l["Set-Cookie:".Length..].Trim().Split(';')[0])
            .Where(p => p.StartsWith(name + "=")).Select(p => p[(name.Length + 1)..]).FirstOrDefault();
    }

    public static async Task<Response> SendAsync(Uri url, string head, IPAddress? source = null, byte[]? body = null,
        TimeSpan? pauseInHead = null, TimeSpan? pauseBeforeHead = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (source is not null) socket.Bind(new IPEndPoint(source, 0));
        using var timeout = new CancellationTokenSource(Programs.Timeout);
        await socket.ConnectAsync(IPAddress.Loopback, url.Port, timeout.Token);
        if (pauseBeforeHead is TimeSpan quiet) await Task.Delay(quiet);
        var headBytes = Encoding.ASCII.GetBytes(head);
        if (pauseInHead is TimeSpan pause)
        {
            await socket.SendAsync(headBytes.AsMemory(0, headBytes.Length / 2), timeout.Token);
            await Task.Delay(pause);
            await socket.SendAsync(headBytes.AsMemory(headBytes.Length / 2), timeout.Token);
        }
        else await socket.SendAsync(headBytes, timeout.Token);
        if (body is not null) await socket.SendAsync(body, timeout.Token);
        using var received = new MemoryStream();
        var buffer = new byte[16384];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, timeout.Token)) > 0) received.Write(buffer, 0, n);
        var text = Encoding.UTF8.GetString(received.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (split < 0) throw new IOException($"No complete response: '{text}'");
        var status = int.Parse(text.Split(' ')[1]);
        return new Response(status, text[..split], text[(split + 4)..]);
    }
}
