using System.Globalization;
using System.Text.RegularExpressions;
using Workbook.Processes;

namespace Workbook.Benchmarks;

/// <summary>What one tool measured in one run (<paramref name="Requests"/>: completed and failed, when the tool says).</summary>
public sealed record Measurement(string Tool, double RequestsPerSecond, double P50Ms, double P99Ms, long Failed, long Requests = 0, string Detail = "");

/// <summary>wrk and ab, run as processes and read from their reports.</summary>
public static partial class ExternalTools
{
    public static void RequireInstalled()
    {
        var missing = new[] { ("wrk", "wrk"), ("ab", "apache2-utils") }.Where(t => !IsInstalled(t.Item1)).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"Missing {string.Join(", ", missing.Select(m => m.Item1))}: install with 'sudo apt-get install {string.Join(' ', missing.Select(m => m.Item2))}'.");
    }

    /// <summary>Whether <paramref name="tool"/> is a file in a folder on PATH.</summary>
    public static bool IsInstalled(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, tool)));

    /// <summary>
    /// <c>wrk -t2 -cN -dS --latency</c>; "Connection: close" for a new connection per request. wrk counts a
    /// response slower than <paramref name="timeout"/> (its default: 2 s) as a timeout error.
    /// </summary>
    public static async Task<Measurement> WrkAsync(Uri url, int connections, TimeSpan duration, bool newConnection, TimeSpan? timeout = null, int threads = 2)
    {
        List<string> args = [$"-t{threads}", $"-c{connections}", $"-d{duration.TotalSeconds:0}s", "--latency"];
        if (timeout is { } t) args.Add($"--timeout={t.TotalSeconds:0}s");
        if (newConnection) args.AddRange(["-H", "Connection: close"]);
        var output = (await ChildProcess.ExecFileAsync("wrk", [.. args, url.ToString()], Limits(duration))).Stdout;
        var errors = SocketErrors().Match(output) is { Success: true } m ? m.Groups.Cast<Group>().Skip(1).Sum(g => long.Parse(g.Value)) : 0;
        var non2xx = Non2xx().Match(output) is { Success: true } n ? long.Parse(n.Groups[1].Value) : 0;
        var detail = SocketErrors().Match(output) is { Success: true } e ? e.Value : "";
        return new Measurement("wrk", Number(WrkRate(), output), WrkLatency(output, "50%"), WrkLatency(output, "99%"), errors + non2xx,
            (long)Number(WrkRequests(), output), detail);
    }

    /// <summary>
    /// <c>ab [-k] [-r] -cN -tS</c>: ab is HTTP/1.0 and single-threaded; its percentiles are whole milliseconds.
    /// <paramref name="continueOnErrors"/> is <c>-r</c>: without it ab stops at the first reset; <paramref name="cookie"/>
    /// (<c>name=value</c>) is sent with every request (<c>-C</c>).
    /// </summary>
    public static async Task<Measurement> AbAsync(Uri url, int connections, TimeSpan duration, bool newConnection, bool continueOnErrors = false,
        string? cookie = null)
    {
        List<string> args = ["-c", connections.ToString(), "-t", duration.TotalSeconds.ToString("0"), "-n", "100000000", "-q"];
        if (cookie is not null) args.InsertRange(0, ["-C", cookie]);
        if (!newConnection) args.Insert(0, "-k");
        if (continueOnErrors) args.Insert(0, "-r");
        var output = (await ChildProcess.ExecFileAsync("ab", [.. args, url.ToString()], Limits(duration))).Stdout;
        double Percent(string p) => Number(new Regex($@"^\s*{Regex.Escape(p)}\s+(\d+)", RegexOptions.Multiline), output);
        var failed = (long)Number(AbFailed(), output);
        var detail = AbFailedDetail().Match(output) is { Success: true } d ? d.Groups[1].Value : "";
        // With no request completed (a server too slow for a short run), ab prints neither a rate nor percentiles.
        if (Number(AbComplete(), output) == 0) return new Measurement("ab", 0, double.NaN, double.NaN, failed, 0, detail);
        return new Measurement("ab", Number(AbRate(), output), Percent("50%"), Percent("99%"), failed, (long)Number(AbComplete(), output), detail);
    }

    /// <summary>
    /// Our runner, as its own process (tools/Workbook.Load --json). <paramref name="inlineCompletions"/> chooses
    /// where socket continuations run: on the epoll threads (the tool's default) or on the thread pool (.NET's).
    /// </summary>
    public static async Task<Measurement> OursAsync(Uri url, int connections, TimeSpan duration, bool newConnection, bool inlineCompletions)
    {
        List<string> args = [ExamplePaths.Dll("Workbook.Load"), url.ToString(), "-c", connections.ToString(), "-d", duration.TotalSeconds.ToString("0"), "--json"];
        if (newConnection) args.Add("--new-connection");
        var env = SpawnOptions.EnvWith([new("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", inlineCompletions ? "1" : "0")]);
        var output = (await ChildProcess.ExecFileAsync("dotnet", args, Limits(duration) with { Env = env })).Stdout;
        var r = System.Text.Json.JsonDocument.Parse(output).RootElement;
        return new Measurement(inlineCompletions ? "ours" : "ours, pool completions",
            r.GetProperty("ok").GetInt64() / duration.TotalSeconds, r.GetProperty("p50Ms").GetDouble(), r.GetProperty("p99Ms").GetDouble(),
            r.GetProperty("failed").GetInt64());
    }

    /// <summary>Our runner at a fixed rate (open model, keep-alive): for measuring the server at a load it can carry.</summary>
    public static async Task<Measurement> OursAtRateAsync(Uri url, int rate, TimeSpan duration)
    {
        List<string> args = [ExamplePaths.Dll("Workbook.Load"), url.ToString(), "-r", rate.ToString(), "-d", duration.TotalSeconds.ToString("0"), "--json"];
        var output = (await ChildProcess.ExecFileAsync("dotnet", args, Limits(duration))).Stdout;
        var r = System.Text.Json.JsonDocument.Parse(output).RootElement;
        return new Measurement("ours", r.GetProperty("ok").GetInt64() / duration.TotalSeconds, r.GetProperty("p50Ms").GetDouble(),
            r.GetProperty("p99Ms").GetDouble(), r.GetProperty("failed").GetInt64());
    }

    private static ExecOptions Limits(TimeSpan duration) => new() { Timeout = duration + TimeSpan.FromSeconds(30), MaxBuffer = 4 * 1024 * 1024 };

    private static double WrkLatency(string output, string percentile)
    {
        var m = new Regex($@"^\s*{Regex.Escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline).Match(output);
        if (!m.Success) throw new FormatException($"wrk printed no {percentile} latency:\n{output}");
        var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    private static double Number(Regex pattern, string output)
    {
        var m = pattern.Match(output);
        return m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new FormatException($"Could not find {pattern} in:\n{output}");
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")] private static partial Regex WrkRate();
    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")] private static partial Regex SocketErrors();
    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")] private static partial Regex Non2xx();
    [GeneratedRegex(@"Requests per second:\s+([\d.]+)")] private static partial Regex AbRate();
    [GeneratedRegex(@"Failed requests:\s+(\d+)")] private static partial Regex AbFailed();
    [GeneratedRegex(@"Failed requests:\s+\d+\s*\n\s*\(([^)]*)\)")] private static partial Regex AbFailedDetail();
    [GeneratedRegex(@"Complete requests:\s+(\d+)")] private static partial Regex AbComplete();
    [GeneratedRegex(@"(\d+) requests in")] private static partial Regex WrkRequests();
}
