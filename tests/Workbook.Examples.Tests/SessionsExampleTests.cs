using System.Net;
using System.Text.Json;
using Workbook.Processes;
using Workbook.Testing;

namespace Workbook.Examples.Tests;

/// <summary>examples/Sessions run as a real cluster (its own primary process): where a login survives and where it does not.</summary>
public class SessionsExampleTests
{
    [Fact]
    public async Task With_sessions_in_worker_memory_round_robin_loses_the_login_on_the_other_worker()
    {
        await using var app = await SessionsApp.StartAsync("--store", "memory");
        using var user = new SessionClient(app.Url);
        var login = await user.LoginAsync("ada");

        var pages = await user.PagesAsync(10);

        var lost = pages.Where(p => p.Status == HttpStatusCode.Unauthorized).ToList();
        Assert.NotEmpty(lost);
        Assert.All(lost, p => Assert.NotEqual(login.Pid, p.Pid)); // only the other worker has no session for her
        Assert.All(pages.Where(p => p.Pid == login.Pid), p => Assert.Equal(HttpStatusCode.OK, p.Status));
    }

    [Fact]
    public async Task With_cookie_affinity_sessions_in_worker_memory_hold()
    {
        await using var app = await SessionsApp.StartAsync("--store", "memory", "--affinity", "cookie");
        using var user = new SessionClient(app.Url);
        var login = await user.LoginAsync("ada");

        var pages = await user.PagesAsync(20);

        Assert.All(pages, p => Assert.Equal((HttpStatusCode.OK, login.Pid), (p.Status, p.Pid)));
    }

    [Fact]
    public async Task Pages_answer_HEAD_as_GET_without_a_body_and_a_login_stays_POST()
    {
        await using var app = await SessionsApp.StartAsync("--store", "memory", "--affinity", "cookie");
        using var user = new SessionClient(app.Url);
        var login = await user.LoginAsync("ada");

        var head = await user.SendAsync(HttpMethod.Head, "/profile"); // what curl -I sends
        Assert.Equal((HttpStatusCode.OK, login.Pid, ""), (head.Status, head.Pid, head.Body));
        Assert.Equal(HttpStatusCode.OK, (await user.SendAsync(HttpMethod.Head, "/health")).Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await user.SendAsync(HttpMethod.Get, "/login?user=bob")).Status);
    }

    [Theory]
    [InlineData("primary")]
    [InlineData("redis")]
    public async Task With_a_shared_store_every_worker_knows_the_session_even_after_a_rolling_restart(string store)
    {
        await using var app = await SessionsApp.StartAsync("--store", store);
        using var user = new SessionClient(app.Url);
        await user.LoginAsync("ada");
        var before = await user.PagesAsync(10);
        Assert.All(before, p => Assert.Equal(HttpStatusCode.OK, p.Status));
        Assert.Equal(2, before.Select(p => p.Pid).Distinct().Count());

        app.Process.Kill("SIGUSR2"); // the example's primary: rolling restart
        var replaced = await app.WaitForLinesAsync("Exited process", count: 2);
        Assert.True(replaced, $"no rolling restart seen; the primary printed:\n{app.Output}");

        var after = await user.PagesAsync(10);
        Assert.All(after, p => Assert.Equal(HttpStatusCode.OK, p.Status));
        Assert.Empty(after.Select(p => p.Pid).Intersect(before.Select(p => p.Pid))); // new workers, same session
    }

    [Fact]
    public async Task Increments_from_all_workers_in_the_primary_store_add_up_exactly()
    {
        await using var app = await SessionsApp.StartAsync("--store", "primary");
        using var client = new HttpClient { BaseAddress = app.Url };
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            var mine = new List<JsonElement>();
            for (int i = 0; i < 25; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/visits");
                request.Headers.ConnectionClose = true;
                using var response = await client.SendAsync(request);
                mine.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
            }
            return mine;
        }));
        var all = answers.SelectMany(a => a).ToList();

        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), all.Select(a => a.GetProperty("shared").GetInt64()).Order());
        var perWorker = all.GroupBy(a => a.GetProperty("pid").GetInt32()).Select(g => g.Max(a => a.GetProperty("thisWorker").GetInt64())).ToList();
        Assert.Equal(2, perWorker.Count);
        Assert.Equal(200, perWorker.Sum()); // each worker's own count sees only its share
    }

    [Fact]
    public async Task Bad_arguments_are_refused_with_a_message()
    {
        var bad = await Assert.ThrowsAsync<ExecException>(() => ChildProcess.ExecFileAsync("dotnet", [Programs.SessionsExample, "--store", "disk"], new ExecOptions { Timeout = Programs.Timeout }));
        Assert.Equal(2, bad.Code);
        Assert.Contains("bad argument '--store'", bad.Stderr);

        // Alone (no primary to start one) and no REDIS_URL: the redis store has no server to use.
        var env = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Where(e => (string)e.Key != "REDIS_URL").ToDictionary(e => (string)e.Key, e => (string)e.Value!);
        var noServer = await Assert.ThrowsAsync<ExecException>(() => ChildProcess.ExecFileAsync("dotnet",
            [Programs.SessionsExample, "--no-cluster", "--store", "redis", "--port", "0"], new ExecOptions { Timeout = Programs.Timeout, Env = env }));
        Assert.Equal(2, noServer.Code);
        Assert.Contains("needs a server: set REDIS_URL or --redis-url", noServer.Stderr);
    }
}

/// <summary>The Sessions example's primary as a child process (2 workers, a free port); stopped with SIGTERM on dispose.</summary>
internal sealed class SessionsApp : IAsyncDisposable
{
    private readonly System.Text.StringBuilder _output = new();

    private SessionsApp(ChildProcess process) => Process = process;

    public ChildProcess Process { get; }

    public Uri Url { get; private set; } = null!;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static async Task<SessionsApp> StartAsync(params string[] args)
    {
        var process = ChildProcess.Fork(Programs.SessionsExample, ["--port", "0", "--workers", "2", .. args], new ForkOptions { Stdio = StdioMode.Pipe });
        var app = new SessionsApp(process);
        process.Stdout!.Data += text => { lock (app._output) app._output.Append(text); };
        process.Stderr!.Data += text => { lock (app._output) app._output.Append(text); };
        try
        {
            var started = await process.NextMessageAsync().WaitAsync(Programs.Timeout);
            app.Url = new Uri(started.GetProperty("url").GetString()!);
            return app;
        }
        catch (Exception e)
        {
            await app.DisposeAsync();
            throw new InvalidOperationException($"The Sessions example did not start: {e.Message}\n{app.Output}", e);
        }
    }

    public async Task<bool> WaitForLinesAsync(string text, int count)
    {
        var deadline = DateTime.UtcNow + Programs.Timeout;
        while (DateTime.UtcNow < deadline)
        {
            var seen = Output.Split('\n').Count(l => l.Contains(text));
            if (seen >= count) return true;
            await Task.Delay(50);
        }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        Process.Kill("SIGTERM");
        if (await Task.WhenAny(Process.Exited, Task.Delay(Programs.Timeout)) != Process.Exited) Process.Kill("SIGKILL");
        await Process.Exited;
    }
}
