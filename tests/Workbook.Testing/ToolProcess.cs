using System.Diagnostics;
using Xunit;

namespace Workbook.Testing;

/// <summary>A built tool (its .dll), run as a process with dotnet: its exit code and what it printed.</summary>
public sealed record ToolProcess(string Dll)
{
    /// <summary>A machine set to German, where 0.5 is not a number (the decimal separator is a comma).</summary>
    public static IReadOnlyDictionary<string, string> German { get; } =
        new Dictionary<string, string> { ["LANG"] = "de_DE.UTF-8", ["LC_ALL"] = "de_DE.UTF-8" };

    public Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string>(), args);

    public Task<(int Code, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        DotnetAsync(null, environment, [Dll, .. args]);

    /// <summary><c>dotnet ARGS</c> in <paramref name="workingDirectory"/> (null: this one), as a user types it there: its exit code and what it printed.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> DotnetAsync(string? workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
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

    /// <summary>Asserts the contract for a bad command line: exit code 2, one line on stderr with <paramref name="message"/>, no stack trace.</summary>
    public async Task AssertRefusedAsync(string message, params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(args);
        Assert.True(code == 2, $"exit code {code}; stderr: {stderr}");
        Assert.Contains(message, stderr);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.Empty(stdout);
    }
}
