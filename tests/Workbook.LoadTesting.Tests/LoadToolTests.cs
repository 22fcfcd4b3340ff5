using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Workbook.Testing;

namespace Workbook.LoadTesting.Tests;

/// <summary>tools/Workbook.Load, run as a process against a real server.</summary>
public class LoadToolTests
{
    private static readonly string Tool = Workbook.Testing.TestEnvironment.BuildMetadata(typeof(LoadToolTests).Assembly, "LoadTool");

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

    [Theory]
    [InlineData("the URL is missing")]
    [InlineData("not this machine", "http://example.com/")]
    [InlineData("either -c (closed model) or -r (open model)", "http://127.0.0.1:9/", "-c", "2", "-r", "5")]
    [InlineData("unexpected '--nope'", "http://127.0.0.1:9/", "--nope")]
    public async Task Bad_arguments_are_named_and_exit_with_2(string message, params string[] args)
    {
        var (code, _, stderr) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Tool);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
