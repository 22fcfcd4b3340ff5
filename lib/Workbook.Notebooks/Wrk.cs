using System.Globalization;
using System.Text.RegularExpressions;
using Workbook.Processes;

namespace Workbook.Notebooks;

/// <summary>
/// <c>wrk</c>, the load generator many Node readers know, run as a child process beside our own runner: a chapter can
/// show what it counts when a server goes away. Our runner is the instrument; wrk is here to be compared with it.
/// </summary>
public static partial class Wrk
{
    /// <summary>Whether <c>wrk</c> is a file in a folder on PATH (the devcontainer installs it).</summary>
    public static bool IsInstalled => Programs.OnPath("wrk");

    /// <summary>
    /// <c>wrk -t1 -cN -dS URL</c> (keep-alive connections, one thread). wrk needs the server up when it starts; it
    /// keeps going, and counting, if the server goes away.
    /// </summary>
    /// <exception cref="InvalidOperationException">wrk is not installed, could not connect at its start, or printed no report.</exception>
    public static async Task<WrkResult> RunAsync(Uri url, int connections, TimeSpan duration)
    {
        if (!IsInstalled) throw new InvalidOperationException("wrk is not on PATH (Debian/Ubuntu: apt-get install wrk).");
        var seconds = Math.Max(1, (int)Math.Round(duration.TotalSeconds));
        string output;
        try
        {
            var result = await ChildProcess.ExecFileAsync("wrk", ["-t1", $"-c{Math.Max(1, connections)}", $"-d{seconds}s", url.ToString()],
                new ExecOptions { Timeout = TimeSpan.FromSeconds(seconds + 30) }).ConfigureAwait(false);
            output = result.Stdout + result.Stderr;
        }
        catch (ExecException e)
        {
            output = e.Stdout + e.Stderr;
        }
        var responses = Responses().Match(output);
        if (!responses.Success) throw new InvalidOperationException($"wrk printed no report:\n{output}");
        var errors = SocketErrors().Match(output);
        long Field(int i) => errors.Success ? long.Parse(errors.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
        return new WrkResult(long.Parse(responses.Groups[1].Value, CultureInfo.InvariantCulture), Field(1), Field(2), Field(3), Field(4), output);
    }

    [GeneratedRegex(@"(\d+) requests in")] private static partial Regex Responses();
    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")] private static partial Regex SocketErrors();
}
