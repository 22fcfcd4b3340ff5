using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Workbook.Testing;

namespace Workbook.LoadTesting.Tests;

/// <summary>tools/Workbook.Load, run as a process against a real server.</summary>
public class LoadToolTests
{
    private static readonly ToolProcess Tool = new(TestEnvironment.BuildMetadata(typeof(LoadToolTests).Assembly, "LoadTool"));

    [Fact]
    public async Task It_runs_a_load_and_reports_it_as_json()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", (HttpContext c) =>
        {
            c.Response.Headers["X-Worker"] = "7";
            return "Ok";
        }));

        var (code, stdout, stderr) = await RunAsync(server.Url.ToString(), "-c", "2", "-d", "1", "--attribute", "X-Worker", "--json");

        Assert.True(code == 0, stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.True(result.GetProperty("ok").GetInt64() > 100);
        Assert.Equal(0, result.GetProperty("failed").GetInt64());
        Assert.Equal(result.GetProperty("requests").GetInt64(), result.GetProperty("ok").GetInt64() + result.GetProperty("unfinished").GetInt64());
    }

    [Fact]
    public async Task It_prints_a_summary_and_writes_a_png_chart()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", () => "Ok"));
        var png = Path.Combine(Path.GetTempPath(), $"wb-load-{Guid.NewGuid():N}.png");
        try
        {
            var (code, stdout, stderr) = await RunAsync(server.Url.ToString(), "-r", "200", "-d", "1", "--png", png);

            Assert.True(code == 0, stderr);
            Assert.Contains("200 req/s for 1 s", stdout);
            Assert.Contains("latency", stdout);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(png)[..4]);
        }
        finally
        {
            File.Delete(png);
        }
    }

    [Fact]
    public async Task Numbers_are_read_the_same_in_every_culture()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", () => "Ok"));
        // In German 0.5 is not a number (its decimal separator is a comma); the command line is read invariantly.
        var german = ToolProcess.German;

        var (code, stdout, stderr) = await RunAsync(german, server.Url.ToString(), "-c", "1", "-d", "0.5", "--json");
        Assert.True(code == 0, stderr);
        Assert.True(JsonDocument.Parse(stdout).RootElement.GetProperty("ok").GetInt64() > 0);

        (code, _, stderr) = await RunAsync(german, server.Url.ToString(), "-d", "0,5");
        Assert.Equal(2, code);
        Assert.Contains("-d needs a number, not '0,5'", stderr);
    }

    [Fact]
    public async Task Help_lists_every_option_with_its_default()
    {
        var (code, stdout, _) = await RunAsync("--help");

        Assert.Equal(0, code);
        foreach (var option in new[] { "-c, --clients", "-r, --rate", "-d, --duration", "-n, --requests", "--ramp", "--new-connection",
                                       "--timeout", "--attribute", "--label", "--png", "--json" })
            Assert.Contains(option, stdout);
        Assert.Matches(@"-d, --duration <SECONDS>\s+10\s", stdout);
        Assert.Matches(@"--timeout <SECONDS>\s+10\s", stdout);
        Assert.Contains("Default: 10 when -r is not given", stdout);
    }

    [Theory]
    [InlineData("the URL is missing")]
    [InlineData("not this machine", "http://example.com/")]
    [InlineData("either -c (closed model) or -r (open model)", "http://127.0.0.1:9/", "-c", "2", "-r", "5")]
    [InlineData("unknown option '--nope'", "http://127.0.0.1:9/", "--nope")]
    [InlineData("-c needs a whole number, not 'x'", "http://127.0.0.1:9/", "-c", "x")]
    [InlineData("--rate needs a number, not 'fast'", "http://127.0.0.1:9/", "--rate", "fast")]
    [InlineData("-d|--duration must be more than 0 and at most 86400, not 0", "http://127.0.0.1:9/", "-d", "0")]
    [InlineData("-c|--clients must be from 1 to 100000, not 0", "http://127.0.0.1:9/", "-c", "0")]
    [InlineData("--png needs a value", "http://127.0.0.1:9/", "--png")]
    [InlineData("<url> needs an absolute URL such as http://127.0.0.1:8080/, not 'nowhere'", "nowhere")]
    public async Task Bad_arguments_are_named_and_exit_with_2(string message, params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.DoesNotContain("   at ", stderr); // no stack trace
        Assert.Empty(stdout);
    }

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args) => Tool.RunAsync(args);

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Tool.RunAsync(environment, args);
}
