using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;
using Workbook.Processes;

namespace Workbook.Examples.Tests;

/// <summary>
/// examples/Proxy's own contract, run as a process: its arguments, its message protocol and how it stops. What it does
/// in front of real instances (affinity, health checks, draining a removed backend) is tested through the class
/// chapter 08 drives it with, in Workbook.Notebooks.Tests (ReverseProxyExampleTests).
/// </summary>
public class ProxyExampleTests
{
    [Fact]
    public async Task It_reports_its_address_and_pid_and_answers_each_request_with_its_op_refusing_bad_ones_with_an_error()
    {
        await using var proxy = await ForkedProxy.StartAsync();
        Assert.Equal(proxy.Process.Pid, proxy.Started.GetProperty("pid").GetInt32());

        var status = await proxy.RequestAsync(new { op = "status" });
        Assert.Equal("status", status.GetProperty("op").GetString());
        Assert.Equal(["a"], status.GetProperty("backends").EnumerateArray().Select(b => b.GetProperty("name").GetString()));

        Assert.Contains("no backend named 'nope'", await proxy.ErrorAsync(new { op = "remove", name = "nope" }, "remove"));
        Assert.Contains("a backend named 'a' is already there", await proxy.ErrorAsync(new { op = "add", name = "a", url = "http://127.0.0.1:1/" }, "add"));
        Assert.Contains("'ftp://x' is not an http:// URL", await proxy.ErrorAsync(new { op = "add", name = "c", url = "ftp://x" }, "add"));
        Assert.Contains("unknown op 'restart'", await proxy.ErrorAsync(new { op = "restart" }, "restart"));
        var after = await proxy.RequestAsync(new { op = "status" }); // still running, still answering
        Assert.Single(after.GetProperty("backends").EnumerateArray());
        Assert.True(proxy.Process.IsRunning);
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
            [Programs.ProxyExample, .. args.Split(' ', StringSplitOptions.RemoveEmptyEntries)], new ExecOptions { Timeout = Programs.Timeout }));

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
            [Programs.ProxyExample, "--backend", "a=http://127.0.0.1:1", "--port", port.ToString()], new ExecOptions { Timeout = Programs.Timeout }));

        Assert.Equal(1, failed.Code);
        Assert.Contains($"cannot listen on 127.0.0.1:{port}", failed.Stderr);
    }

    [Theory]
    [InlineData("parent disconnected")]
    [InlineData("SIGTERM")]
    public async Task It_stops_with_0_when_its_parent_disconnects_or_on_SIGTERM(string reason)
    {
        // Nothing listens at the backend's address: the proxy runs all the same (and finds it unhealthy).
        await using var proxy = await ForkedProxy.StartAsync();

        if (reason == "SIGTERM") proxy.Process.Kill("SIGTERM");
        else proxy.Process.Disconnect();

        Assert.Equal(new ChildExit(0, null), await proxy.Process.Exited.WaitAsync(Programs.Timeout));
        await proxy.Process.Closed.WaitAsync(Programs.Timeout);
        Assert.Contains($"Proxy stopped ({reason})", proxy.Output);
        Assert.Null(await Programs.PortStillTaken(proxy.Url.Port, TimeSpan.FromSeconds(1)));
    }
}

/// <summary>
/// examples/Proxy forked in front of one backend "a" where nothing listens (it runs all the same, and finds it
/// unhealthy), with its output kept; SIGTERM on dispose.
/// </summary>
internal sealed class ForkedProxy : IAsyncDisposable
{
    private readonly System.Text.StringBuilder _output = new();
    private readonly TaskCompletionSource<JsonElement> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<JsonElement> _replies = Channel.CreateUnbounded<JsonElement>();

    private ForkedProxy(ChildProcess process) => Process = process;

    public ChildProcess Process { get; }

    /// <summary>Its first message: <c>{ url, pid }</c>.</summary>
    public JsonElement Started => _started.Task.Result;

    public Uri Url => new(Started.GetProperty("url").GetString()!);

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static async Task<ForkedProxy> StartAsync()
    {
        string[] args = ["--port", "0", "--backend", $"a=http://127.0.0.1:{Programs.FreePort()}/"];
        var proxy = new ForkedProxy(ChildProcess.Fork(Programs.ProxyExample, args, new ForkOptions { Stdio = StdioMode.Pipe }));
        proxy.Process.Message += proxy.OnMessage; // before any message can arrive: none is missed
        proxy.Process.Stdout!.Data += text => { lock (proxy._output) proxy._output.Append(text); };
        proxy.Process.Stderr!.Data += text => { lock (proxy._output) proxy._output.Append(text); };
        try
        {
            if (await Task.WhenAny(proxy._started.Task, proxy.Process.Exited).WaitAsync(Programs.Timeout) != proxy._started.Task)
                throw new InvalidOperationException($"it exited with {proxy.Process.Exited.Result}");
            return proxy;
        }
        catch (Exception e)
        {
            await proxy.DisposeAsync();
            throw new InvalidOperationException($"The proxy did not start: {e.Message}\n{proxy.Output}", e);
        }
    }

    /// <summary>Sends a request and returns the proxy's reply (one request at a time).</summary>
    public async Task<JsonElement> RequestAsync(object request)
    {
        Process.Send(request);
        return await _replies.Reader.ReadAsync().AsTask().WaitAsync(Programs.Timeout);
    }

    /// <summary>Sends a request the proxy must refuse; the error it names (the reply carries the request's op and no backends).</summary>
    public async Task<string> ErrorAsync(object request, string op)
    {
        var reply = await RequestAsync(request);
        Assert.Equal(op, reply.GetProperty("op").GetString());
        Assert.False(reply.TryGetProperty("backends", out _), $"expected an error, got {reply}");
        return reply.GetProperty("error").GetString()!;
    }

    private void OnMessage(JsonElement message)
    {
        if (message.TryGetProperty("url", out _)) _started.TrySetResult(message.Clone());
        else if (message.TryGetProperty("op", out _)) _replies.Writer.TryWrite(message.Clone()); // not the health reports
    }

    public async ValueTask DisposeAsync()
    {
        if (Process.IsRunning) Process.Kill("SIGTERM");
        if (await Task.WhenAny(Process.Exited, Task.Delay(Programs.Timeout)) != Process.Exited) Process.Kill("SIGKILL");
        await Process.Exited;
    }
}
