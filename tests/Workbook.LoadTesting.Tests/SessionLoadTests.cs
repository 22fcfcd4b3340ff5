using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Workbook.Testing;

namespace Workbook.LoadTesting.Tests;

public class SessionLoadTests
{
    /// <summary>A server that keeps sessions in a dictionary (cookie "sid") and counts what it saw.</summary>
    private sealed class SessionServer
    {
        public readonly ConcurrentDictionary<string, string> Sessions = new();
        public readonly ConcurrentDictionary<string, byte> Connections = new();
        public readonly ConcurrentDictionary<string, byte> RemoteAddresses = new();
        public readonly ConcurrentDictionary<string, long> ByWorker = new();
        public long Requests, LoginsWithCookie, PagesServed, PagesRefused;
        private long _pageRequests;

        /// <summary>Page request n (from 1) is answered 401 as if the session were unknown.</summary>
        public Func<long, bool> Forgets { get; init; } = _ => false;

        /// <summary>Page request n (from 1) is answered 502, as a proxy whose backend died answers.</summary>
        public Func<long, bool> Fails { get; init; } = _ => false;

        /// <summary>What a served page says; by default it names the session's user.</summary>
        public Func<string, string> Page { get; init; } = user => $"Hello {user}";

        public TimeSpan PageDelay { get; init; }

        public void Map(WebApplication app)
        {
            app.MapPost("/login", (HttpContext c) =>
            {
                See(c);
                if (c.Request.Headers.Cookie.Count > 0) Interlocked.Increment(ref LoginsWithCookie);
                var sid = Guid.NewGuid().ToString("N");
                Sessions[sid] = c.Request.Query["user"].ToString();
                c.Response.Cookies.Append("sid", sid);
                c.Response.Headers["X-Worker-Pid"] = "login";
                return Results.Ok();
            });
            app.MapGet("/profile", async (HttpContext c) =>
            {
                See(c);
                var n = Interlocked.Increment(ref _pageRequests);
                var worker = "w" + n % 2;
                ByWorker.AddOrUpdate(worker, 1, (_, v) => v + 1);
                c.Response.Headers["X-Worker-Pid"] = worker;
                if (PageDelay > TimeSpan.Zero) await Task.Delay(PageDelay, c.RequestAborted);
                if (Fails(n)) return Results.StatusCode(502);
                if (Forgets(n) || !Sessions.TryGetValue(c.Request.Cookies["sid"] ?? "", out var user))
                {
                    Interlocked.Increment(ref PagesRefused);
                    return Results.StatusCode(401);
                }
                Interlocked.Increment(ref PagesServed);
                return Results.Text(Page(user));
            });
        }

        private void See(HttpContext c)
        {
            Interlocked.Increment(ref Requests);
            Connections.TryAdd(c.Connection.Id, 0);
            RemoteAddresses.TryAdd(c.Connection.RemoteIpAddress!.MapToIPv4().ToString(), 0);
        }
    }

    private static SessionLoadTest Sessions(Uri url, long maxSessions, int clients = 4, int pages = 5) => new()
    {
        Url = url,
        Clients = clients,
        Duration = TimeSpan.FromSeconds(30), // an upper bound only: the session count ends these runs
        MaxSessions = maxSessions,
        RequestsPerLogin = pages,
    };

    private static void AssertAddsUp(SessionLoadResult r)
    {
        Assert.Equal(r.Logins + r.Pages, r.Sessions + r.PagesOk + r.PagesLost + r.Failed + r.Unfinished);
        Assert.Equal(r.Sessions, r.Timeline.Sum(s => s.SessionsStarted));
        Assert.Equal(r.PagesOk, r.Timeline.Sum(s => s.PagesOk));
        Assert.Equal(r.PagesLost, r.Timeline.Sum(s => s.PagesLost));
        Assert.Equal(r.Failed, r.Timeline.Sum(s => s.Failed));
    }

    [Fact]
    public async Task Sessions_that_are_kept_are_never_lost_and_the_counts_match_the_server()
    {
        var server = new SessionServer();
        await using var host = await TestServer.StartAsync(server.Map);

        var r = await SessionLoadRunner.RunAsync(Sessions(host.Url, maxSessions: 40));

        Assert.Equal(StopReason.SessionCount, r.StoppedBy);
        Assert.Equal((40L, 40L, 0L, 0L), (r.Logins, r.Sessions, r.SessionsLost, r.PagesLost));
        Assert.Equal((200L, 200L, 0L, 0L, 0L), (r.Pages, r.PagesOk, r.WrongUser, r.Failed, r.Unfinished));
        Assert.Equal(r.PagesOk, server.PagesServed);
        Assert.Equal(40, server.Sessions.Values.Distinct().Count()); // a new user name per login
        Assert.Equal(0, server.LoginsWithCookie);                   // and no cookie from the last one
        Assert.Equal(0, r.SessionLossRate);
        Assert.Equal(0, r.ClientsWhoLostASession);
        AssertAddsUp(r);
        Assert.StartsWith("sessions: 40 logins, 0 lost a session (0.0%), 200 pages, 0 failed", r.ToString());
    }

    [Fact]
    public async Task Forgotten_sessions_are_counted_as_the_server_counted_them()
    {
        var server = new SessionServer { Forgets = n => n % 3 == 0 };
        await using var host = await TestServer.StartAsync(server.Map);

        var r = await SessionLoadRunner.RunAsync(Sessions(host.Url, maxSessions: 60));

        Assert.True(server.PagesRefused > 0);
        Assert.Equal(server.PagesRefused, r.PagesLost);
        Assert.Equal(server.PagesRefused, r.SessionsLost); // a user stops at the first 401, so one per lost session
        Assert.Equal(server.PagesServed, r.PagesOk);
        Assert.Equal((60L, 0L, 0L), (r.Sessions, r.Failed, r.WrongUser));
        Assert.Equal(r.Pages, r.PagesOk + r.PagesLost);
        Assert.Equal((double)r.SessionsLost / 60, r.SessionLossRate);
        Assert.InRange(r.ClientsWhoLostASession, 1, r.Clients);
        Assert.True(r.ClientsWhoLostASession <= r.SessionsLost);
        Assert.Equal(server.ByWorker.OrderBy(w => w.Key), r.ByAttribution.OrderBy(w => w.Key));
        AssertAddsUp(r);
    }

    [Fact]
    public async Task Pages_answered_outside_2xx_fail_by_status_with_their_code_counted()
    {
        var server = new SessionServer { Fails = n => n % 4 == 0 };
        await using var host = await TestServer.StartAsync(server.Map);

        var r = await SessionLoadRunner.RunAsync(Sessions(host.Url, maxSessions: 20));

        Assert.True(r.Failed > 0);
        Assert.Equal(r.Failed, r.Failures[FailureReason.Status]);
        Assert.Equal(r.Failed, r.Failures.Values.Sum());
        Assert.Equal(new Dictionary<int, long> { [502] = r.Failed }, r.StatusCodes);
        Assert.Equal(0, r.LoginsFailed);
        Assert.Equal($"{r.Failed:N0} non-2xx (502)", r.DescribeFailures("none"));
        AssertAddsUp(r);
    }

    [Fact]
    public async Task The_session_log_has_every_session_its_worker_its_end_and_who_did_not_know_it()
    {
        var server = new SessionServer { Forgets = n => n % 3 == 0 };
        await using var host = await TestServer.StartAsync(server.Map);

        var r = await SessionLoadRunner.RunAsync(Sessions(host.Url, maxSessions: 60));

        Assert.Equal(r.Sessions, r.SessionLog.Count);
        Assert.Equal(r.SessionsLost, r.SessionLog.Count(s => s.Lost));
        Assert.All(r.SessionLog, s => Assert.Equal("login", s.Worker)); // the login's answer names the worker
        Assert.All(r.SessionLog, s => Assert.True(s.Began <= s.Ended && s.Ended <= r.Duration + SessionLoadRun.EndGrace, s.ToString()));
        Assert.All(r.SessionLog.Where(s => s.Lost), s => Assert.Matches("^w[01]$", s.LostBy));
        Assert.All(r.SessionLog.Where(s => !s.Lost), s => Assert.Null(s.LostBy));
        Assert.Equal(r.ClientsWhoLostASession, r.SessionLog.Where(s => s.Lost).Select(s => s.Client).Distinct().Count());
        foreach (var client in r.SessionLog.GroupBy(s => s.Client)) // one user's sessions follow one another
            Assert.All(client.Zip(client.Skip(1)), pair => Assert.True(pair.Second.Began >= pair.First.Ended, $"{pair.First} then {pair.Second}"));
    }

    [Fact]
    public async Task A_page_with_another_users_name_is_a_wrong_user()
    {
        var server = new SessionServer { Page = _ => "Hello u999-0" };
        await using var host = await TestServer.StartAsync(server.Map);

        var r = await SessionLoadRunner.RunAsync(Sessions(host.Url, maxSessions: 10));

        Assert.Equal(50, r.PagesOk);
        Assert.Equal(50, r.WrongUser);
        Assert.Contains("50 pages showed another user's data", r.ToString());
        Assert.True(VirtualUser.Mentions("{\"user\":\"u3-1\"}", "u3-1"));
        Assert.False(VirtualUser.Mentions("Hello u3-10", "u3-1"));
        Assert.False(VirtualUser.Mentions("Hello u13-1", "u3-1"));
    }

    [Fact]
    public async Task A_new_connection_per_request_or_one_per_client()
    {
        var server = new SessionServer();
        await using var host = await TestServer.StartAsync(server.Map);

        var fresh = await SessionLoadRunner.RunAsync(Sessions(host.Url, maxSessions: 20));
        Assert.Equal(120, fresh.Logins + fresh.Pages);
        Assert.Equal(120, server.Requests);
        Assert.Equal(120, server.Connections.Count);

        server.Connections.Clear();
        var kept = await SessionLoadRunner.RunAsync(Sessions(host.Url, maxSessions: 20) with { NewConnectionPerRequest = false });
        Assert.Equal((20L, 100L, 0L), (kept.Sessions, kept.PagesOk, kept.Failed));
        Assert.InRange(server.Connections.Count, 1, 4);
    }

    [Fact]
    public async Task Clients_connect_from_their_source_addresses()
    {
        var server = new SessionServer();
        await using var host = await TestServer.StartAsync(server.Map);
        var sources = new[] { IPAddress.Parse("127.0.0.2"), IPAddress.Parse("127.0.0.3") };

        var r = await SessionLoadRunner.RunAsync(Sessions(host.Url, maxSessions: 20) with { SourceAddresses = sources });

        Assert.Equal((20L, 100L, 0L), (r.Sessions, r.PagesOk, r.Failed));
        Assert.Equal(["127.0.0.2", "127.0.0.3"], server.RemoteAddresses.Keys.Order());
    }

    [Fact]
    public void Bad_tests_are_rejected_with_a_clear_reason()
    {
        var ok = new SessionLoadTest { Url = new Uri("http://127.0.0.1:9/"), Duration = TimeSpan.FromSeconds(1) };
        string Rejects(SessionLoadTest test) => Assert.ThrowsAny<ArgumentException>(() => SessionLoadRunner.Start(test)).Message;

        Assert.Contains("not this machine", Rejects(ok with { Url = new Uri("http://example.com/") }));
        Assert.Contains("http://", Rejects(ok with { Url = new Uri("https://127.0.0.1/") }));
        Assert.Contains("Clients", Rejects(ok with { Clients = 0 }));
        Assert.Contains("RequestsPerLogin", Rejects(ok with { RequestsPerLogin = 0 }));
        Assert.Contains("MaxSessions", Rejects(ok with { MaxSessions = 0 }));
        Assert.Contains("Duration", Rejects(ok with { Duration = TimeSpan.Zero }));
        Assert.Contains("LoginPath", Rejects(ok with { LoginPath = "login" }));
        Assert.Contains("10.255.255.1 cannot be used", Rejects(ok with { SourceAddresses = [IPAddress.Parse("10.255.255.1")] }));
        Assert.Contains("IP version", Rejects(ok with { SourceAddresses = [IPAddress.IPv6Loopback] }));
    }

    [Fact]
    public async Task A_server_that_is_not_there_gives_failed_logins_and_the_run_still_ends()
    {
        var test = new SessionLoadTest { Url = new Uri($"http://127.0.0.1:{TestServer.FreePort()}/"), Clients = 2, Duration = TimeSpan.FromSeconds(1) };

        var r = await SessionLoadRunner.RunAsync(test).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((StopReason.Time, TimeSpan.FromSeconds(1)), (r.StoppedBy, r.Duration));
        Assert.Equal((0L, 0L), (r.Sessions, r.Pages));
        Assert.True(r.Failed > 0);
        Assert.Equal((r.Failed, r.Failed), (r.Failures[FailureReason.Refused], r.LoginsFailed));
        Assert.Empty(r.StatusCodes);
        AssertAddsUp(r);
        Assert.Contains($"{r.Failed:N0} refused; {r.Failed:N0} of them at login", r.ToString());
    }

    [Fact]
    public async Task Requests_still_in_flight_at_the_time_bound_are_unfinished_not_failed()
    {
        // Pages take longer than the run has left; the logins (maybe cold first requests) have 3 s.
        var server = new SessionServer { PageDelay = TimeSpan.FromSeconds(8) };
        await using var host = await TestServer.StartAsync(server.Map);
        var test = new SessionLoadTest { Url = host.Url, Clients = 3, Duration = TimeSpan.FromSeconds(3) };

        var r = await SessionLoadRunner.RunAsync(test).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((3L, 3L, 3L, 0L, 0L), (r.Sessions, r.Pages, r.Unfinished, r.PagesOk, r.Failed));
        Assert.Equal(StopReason.Time, r.StoppedBy);
        AssertAddsUp(r);
    }

    [Fact]
    public async Task Cancelling_ends_the_run_marks_land_on_it_and_nothing_is_sent_after_it()
    {
        var server = new SessionServer();
        await using var host = await TestServer.StartAsync(server.Map);
        using var cts = new CancellationTokenSource();

        var run = SessionLoadRunner.Start(new SessionLoadTest { Url = host.Url, Clients = 2, Duration = TimeSpan.FromSeconds(30) }, cts.Token);
        for (int i = 0; i < 100 && run.Progress.PagesOk == 0; i++) await Task.Delay(50);
        run.Mark("worker killed");
        cts.Cancel();
        var r = await run.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(300);

        Assert.Equal(StopReason.Cancelled, r.StoppedBy);
        Assert.Equal("worker killed", Assert.Single(r.Marks).Text);
        Assert.True(r.PagesOk > 0);
        // Nothing sent after the end: the server saw at most what the run counted as sent (a request written just
        // before the cancel may still arrive, so not "exactly").
        Assert.InRange(Interlocked.Read(ref server.Requests), r.Logins + r.Pages - r.Unfinished, r.Logins + r.Pages);
        AssertAddsUp(r);
    }

    [Fact]
    public async Task Finishing_early_lets_requests_in_flight_finish_and_counts_none_as_failed()
    {
        var server = new SessionServer { PageDelay = TimeSpan.FromMilliseconds(200) };
        await using var host = await TestServer.StartAsync(server.Map);

        var run = SessionLoadRunner.Start(new SessionLoadTest { Url = host.Url, Clients = 3, Duration = TimeSpan.FromSeconds(30) });
        for (int i = 0; i < 200 && run.Progress.PagesOk < 3; i++) await Task.Delay(50);
        run.Stop();
        var r = await run.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(StopReason.Stopped, r.StoppedBy);
        Assert.True(r.PagesOk >= 3, $"{r.PagesOk} pages");
        Assert.Equal((0L, 0L), (r.Failed, r.Unfinished));
        Assert.True(r.Duration < TimeSpan.FromSeconds(20), $"ran for {r.Duration}");
        Assert.Equal(r.Logins + r.Pages, Interlocked.Read(ref server.Requests));
        AssertAddsUp(r);
    }

    [Fact]
    public async Task Think_time_spaces_each_users_requests()
    {
        var server = new SessionServer();
        await using var host = await TestServer.StartAsync(server.Map);
        var test = new SessionLoadTest { Url = host.Url, Clients = 2, Duration = TimeSpan.FromSeconds(2), ThinkTime = TimeSpan.FromMilliseconds(200) };

        var r = await SessionLoadRunner.RunAsync(test).WaitAsync(TimeSpan.FromSeconds(15));

        // Two users, one request per 200 ms of thinking (plus the answer's time): at most ~20 requests in 2 s.
        Assert.InRange(r.Logins + r.Pages, 4, 22);
        Assert.Equal((0L, 0L), (r.Failed, r.SessionsLost));
        AssertAddsUp(r);
        Assert.Throws<ArgumentOutOfRangeException>(() => SessionLoadRunner.Start(test with { ThinkTime = TimeSpan.FromSeconds(-1) }));
    }
}
