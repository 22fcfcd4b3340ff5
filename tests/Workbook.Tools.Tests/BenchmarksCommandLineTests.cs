namespace Workbook.Tools.Tests;

/// <summary>tools/Workbook.Benchmarks' command line (the benchmarks themselves run for minutes and are not run here).</summary>
public class BenchmarksCommandLineTests
{
    [Fact]
    public async Task Help_lists_the_benchmarks_and_each_one_lists_its_options_with_their_defaults()
    {
        var (code, stdout, _) = await Tool.Benchmarks.RunAsync("--help");
        Assert.Equal(0, code);
        foreach (var command in new[] { "load-runner", "cluster", "availability", "sessions", "soak", "report" }) Assert.Contains(command, stdout);

        (code, stdout, _) = await Tool.Benchmarks.RunAsync("cluster", "--help");
        Assert.Equal(0, code);
        Assert.Matches(@"--out <DIR>\s+data/benchmarks\s", stdout);
        Assert.Matches(@"--seconds <N>\s+5\s", stdout);
        Assert.Matches(@"--rounds <N>\s+2\s", stdout);

        (code, stdout, _) = await Tool.Benchmarks.RunAsync("soak", "--help");
        Assert.Equal(0, code);
        Assert.Matches(@"--minutes <N>\s+20\s", stdout);

        (code, stdout, _) = await Tool.Benchmarks.RunAsync("report", "--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--seconds", "--rounds", "--quick", "--note", "--out", "--only", "Default: 10, or 3 with --quick" }) Assert.Contains(option, stdout);
    }

    [Theory]
    [InlineData("name a benchmark")]
    [InlineData("Unknown command 'nope'", "nope")]
    [InlineData("--seconds needs a whole number, not 'abc'", "cluster", "--seconds", "abc")]
    [InlineData("--rounds must be from 1 to 100, not 0", "load-runner", "--rounds", "0")]
    [InlineData("--note needs a value", "report", "--note")]
    [InlineData("unknown option '--quick'", "cluster", "--quick")]
    [InlineData("--repetitions needs a whole number, not '2.5'", "availability", "--repetitions", "2.5")]
    [InlineData("--minutes must be from 1 to 120, not 0", "soak", "--minutes", "0")]
    [InlineData("--minutes must be from 1 to 120, not 121", "soak", "--minutes", "121")]
    [InlineData("--only: no topic named 'workers'; the topics are cluster-policies, node-vs-ours", "report", "--only", "worker-start,workers")]
    public Task A_bad_command_line_is_named_with_exit_code_2(string message, params string[] args) =>
        Tool.Benchmarks.AssertRefusedAsync(message, args);
}
