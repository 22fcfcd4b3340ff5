using System.Text;
using System.Text.RegularExpressions;
using Workbook.Processes;

namespace Workbook.ClusterTool.Tests;

/// <summary>The tool, the app it clusters, and one running tool process with what it printed.</summary>
internal sealed class ClusterTool : IAsyncDisposable
{
    public static string Dll { get; } = Metadata("ClusterTool");
    public static string App { get; } = Metadata("App");
    public static string ConsoleApp { get; } = Metadata("ConsoleApp");
    public static TimeSpan Timeout { get; } = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _output = new();

    private ClusterTool(ChildProcess process, int port)
    {
        Process = process;
        Port = port;
        process.Stdout!.Data += d => { lock (_output) _output.Append(d); };
        process.Stderr!.Data += d => { lock (_output) _output.Append(d); };
    }

    public ChildProcess Process { get; }
    public int Port { get; }
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>The pids the tool said its workers listen in, in order.</summary>
    public List<int> ListeningPids() => [.. Regex.Matches(Output, @"worker \d+ listening \(pid (\d+)\)").Select(m => int.Parse(m.Groups[1].Value))];

    /// <summary><c>dotnet cluster start APP -i 2 --port P --no-daemon</c>, back once it says every worker serves (or it ended).</summary>
    public static Task<ClusterTool> StartForegroundAsync(params string[] more) => StartForegroundOfAsync(App, more);

    /// <summary>The same for the app at <paramref name="app"/>.</summary>
    public static async Task<ClusterTool> StartForegroundOfAsync(string app, params string[] more)
    {
        var port = Workbook.Testing.TestEnvironment.FreePort();
        var tool = new ClusterTool(ChildProcess.Spawn("dotnet", [Dll, "start", app, "-i", "2", "--port", port.ToString(), "--no-daemon", .. more]), port);
        await tool.UntilAsync(() => tool.Output.Contains("worker(s) serving") || tool.Process.ExitCode is not null);
        return tool;
    }

    public async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(condition(), "gave up waiting; the tool printed:\n" + Output);
    }

    /// <summary>A GET on a new connection, as a client that closes after each request.</summary>
    public async Task<string> GetAsync(string path) => (await GetWithHeaderAsync(Port, path, "Server")).Body;

    /// <inheritdoc cref="GetWithHeaderAsync(int, string, string)"/>
    public Task<(string? Header, string Body)> GetWithHeaderAsync(string path, string header) => GetWithHeaderAsync(Port, path, header);

    /// <summary>A GET on a new connection to 127.0.0.1:<paramref name="port"/>: the response header <paramref name="header"/> (null when absent) and the body.</summary>
    public static async Task<(string? Header, string Body)> GetWithHeaderAsync(int port, string path, string header)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}{path}");
        request.Headers.ConnectionClose = true;
        using var response = await http.SendAsync(request);
        var value = response.Headers.TryGetValues(header, out var values) ? string.Join(",", values) : null;
        return (value, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        if (Process.ExitCode is null) Process.Kill("SIGTERM");
        if (await Task.WhenAny(Process.Exited, Task.Delay(Timeout)) != Process.Exited) Process.Kill("SIGKILL");
        await Process.DisposeAsync();
    }

    private static string Metadata(string key) => Workbook.Testing.TestEnvironment.BuildMetadata(typeof(ClusterTool).Assembly, key);
}
