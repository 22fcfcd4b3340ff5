using Workbook.Testing;

namespace Workbook.Processes.Tests;

public class ExecTests
{
    [Fact]
    public async Task Exec_runs_a_shell_pipeline_and_returns_its_buffered_output()
    {
        var result = await ChildProcess.ExecAsync("printf 'a\\nb\\nc\\n' | wc -l");

        Assert.Equal("3", result.Stdout.Trim());
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task A_nonzero_exit_throws_with_the_code_and_what_was_captured()
    {
        var e = await Assert.ThrowsAsync<ExecException>(() => ChildProcess.ExecAsync("echo partial; echo broken >&2; exit 4"));

        Assert.Equal(ExecFailure.ExitCode, e.Reason);
        Assert.Equal(4, e.Code);
        Assert.Null(e.Signal);
        Assert.False(e.Killed);
        Assert.Equal("partial\n", e.Stdout);
        Assert.Equal("broken\n", e.Stderr);
        Assert.StartsWith("Command failed: echo partial; echo broken >&2; exit 4 (exit code 4)\nbroken", e.Message);
    }

    [Fact]
    public async Task A_command_ended_by_a_signal_reports_the_signal()
    {
        var e = await Assert.ThrowsAsync<ExecException>(() => ChildProcess.ExecAsync("kill -USR1 $$"));

        Assert.Equal(ExecFailure.Signal, e.Reason);
        Assert.Equal("SIGUSR1", e.Signal);
        Assert.Null(e.Code);
        Assert.False(e.Killed);
    }

    [Fact]
    public async Task A_timeout_ends_the_whole_command_line_with_the_kill_signal()
    {
        var marker = "wb-timeout-" + Guid.NewGuid().ToString("N")[..6];
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<ExecException>(() => ChildProcess.ExecAsync(
            $"echo started; sleep 30 | cat; echo {marker}", new ExecOptions { Timeout = TimeSpan.FromMilliseconds(300) }));

        Assert.Equal(ExecFailure.Timeout, e.Reason);
        Assert.True(e.Killed);
        Assert.Equal("SIGTERM", e.Signal);
        Assert.Equal("started\n", e.Stdout);
        Assert.Contains("timed out after 300 ms; ended with SIGTERM", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.DoesNotContain(ProcessTree.LiveDescendants(Environment.ProcessId), p => p.CommandLine.StartsWith("sleep 30"));
    }

    [Fact]
    public async Task A_command_that_ignores_the_kill_signal_is_ended_with_SIGKILL()
    {
        var e = await Assert.ThrowsAsync<ExecException>(() => ChildProcess.ExecAsync(
            "trap '' TERM; while :; do sleep 0.1; done", new ExecOptions { Timeout = TimeSpan.FromMilliseconds(200) }));

        Assert.Equal(ExecFailure.Timeout, e.Reason);
        Assert.Equal("SIGKILL", e.Signal);
    }

    [Fact]
    public async Task Output_over_maxBuffer_ends_the_child_and_keeps_exactly_maxBuffer_bytes()
    {
        var e = await Assert.ThrowsAsync<ExecException>(() => ChildProcess.ExecAsync("yes", new ExecOptions { MaxBuffer = 100_000 }));

        Assert.Equal(ExecFailure.MaxBuffer, e.Reason);
        Assert.True(e.Killed);
        Assert.Equal("SIGTERM", e.Signal);
        Assert.Equal(100_000, e.Stdout.Length);
        Assert.Contains("stdout exceeded maxBuffer of 100,000 bytes", e.Message);
    }

    [Fact]
    public async Task The_default_maxBuffer_is_one_MiB_as_in_node()
    {
        Assert.Equal(1024 * 1024, new ExecOptions().MaxBuffer);
        var fits = await ChildProcess.ExecAsync("head -c 1048576 /dev/zero | tr '\\0' a");
        Assert.Equal(1024 * 1024, fits.Stdout.Length);
        var e = await Assert.ThrowsAsync<ExecException>(() => ChildProcess.ExecAsync("head -c 1048577 /dev/zero | tr '\\0' a"));
        Assert.Equal(ExecFailure.MaxBuffer, e.Reason);
    }

    [Fact]
    public async Task The_kill_signal_can_be_chosen()
    {
        var e = await Assert.ThrowsAsync<ExecException>(() => ChildProcess.ExecAsync(
            "sleep 30", new ExecOptions { Timeout = TimeSpan.FromMilliseconds(100), KillSignal = "SIGKILL" }));

        Assert.Equal("SIGKILL", e.Signal);
    }

    [Fact]
    public async Task Cancelling_ends_the_child_and_throws_OperationCanceledException()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ChildProcess.ExecAsync("sleep 30", cancellationToken: cts.Token));

        Assert.DoesNotContain(ProcessTree.LiveDescendants(Environment.ProcessId), p => p.CommandLine == "sleep 30");
    }

    [Fact]
    public async Task A_missing_command_fails_in_the_shell_with_127_but_execFile_cannot_start_it()
    {
        var shell = await Assert.ThrowsAsync<ExecException>(() => ChildProcess.ExecAsync("no-such-command-wb"));
        Assert.Equal(127, shell.Code);
        Assert.Contains("not found", shell.Stderr);

        var direct = await Assert.ThrowsAsync<SpawnException>(() => ChildProcess.ExecFileAsync("no-such-command-wb"));
        Assert.Equal("ENOENT", direct.Code);
    }

    [Fact]
    public async Task Hostile_input_runs_a_second_command_through_exec_but_stays_an_argument_with_execFile()
    {
        const string input = "x; echo INJECTED";

        var viaShell = await ChildProcess.ExecAsync($"echo {input}");
        var viaFile = await ChildProcess.ExecFileAsync("echo", [input]);

        Assert.Equal("x\nINJECTED\n", viaShell.Stdout);
        Assert.Equal("x; echo INJECTED\n", viaFile.Stdout);
    }

    [Fact]
    public async Task Env_cwd_and_input_reach_the_command()
    {
        var dir = Run.TempDir();
        try
        {
            var result = await ChildProcess.ExecAsync("echo \"$ANSWER in $(pwd)\"; cat", new ExecOptions
            {
                Cwd = dir,
                Env = new Dictionary<string, string> { ["ANSWER"] = "42" },
                Input = "from stdin\n",
            });
            Assert.Equal($"42 in {dir}\nfrom stdin\n", result.Stdout);
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    [Fact]
    public async Task An_empty_Cwd_means_the_parents_working_directory()
    {
        Assert.Equal(Environment.CurrentDirectory + "\n", (await ChildProcess.ExecAsync("pwd", new ExecOptions { Cwd = "" })).Stdout);
        Assert.Equal(Environment.CurrentDirectory + "\n", ChildProcess.ExecFileSync("pwd", options: new ExecOptions { Cwd = "" }));
    }

    [Fact]
    public async Task Without_Input_a_command_reading_stdin_gets_end_of_file_at_once()
    {
        var result = await ChildProcess.ExecAsync("cat; echo done", new ExecOptions { Timeout = TimeSpan.FromSeconds(5) });
        Assert.Equal("done\n", result.Stdout);
    }

    [Fact]
    public async Task Bad_options_are_rejected_before_anything_starts()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => ChildProcess.ExecAsync("true", new ExecOptions { KillSignal = "SIGNOPE" }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ChildProcess.ExecAsync("true", new ExecOptions { MaxBuffer = 0 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ChildProcess.ExecAsync("true", new ExecOptions { Timeout = TimeSpan.Zero }));
    }

    [Fact]
    public void Sync_variants_block_and_return_stdout_or_throw()
    {
        Assert.Equal("hi\n", ChildProcess.ExecSync("echo hi"));
        Assert.Equal("a b\n", ChildProcess.ExecFileSync("echo", ["a b"]));
        var e = Assert.Throws<ExecException>(() => ChildProcess.ExecSync("exit 3"));
        Assert.Equal(3, e.Code);
    }

    [Fact]
    public void SpawnSync_reports_status_signal_and_errors_instead_of_throwing()
    {
        var ok = ChildProcess.SpawnSync("sh", ["-c", "echo out; echo err >&2; exit 5"]);
        Assert.Equal((5, null as string, "out\n", "err\n", null as Exception), (ok.Status, ok.Signal, ok.Stdout, ok.Stderr, ok.Error));
        Assert.True(ok.Pid > 0);

        var killed = ChildProcess.SpawnSync("sh", ["-c", "kill -TERM $$"]);
        Assert.Equal((null as int?, "SIGTERM"), (killed.Status, killed.Signal));

        var missing = ChildProcess.SpawnSync("no-such-command-wb");
        Assert.Equal("ENOENT", Assert.IsType<SpawnException>(missing.Error).Code);
        Assert.Null(missing.Status);

        var slow = ChildProcess.SpawnSync("sleep", ["30"], new ExecOptions { Timeout = TimeSpan.FromMilliseconds(100) });
        Assert.Equal(ExecFailure.Timeout, Assert.IsType<ExecException>(slow.Error).Reason);
        Assert.Equal("SIGTERM", slow.Signal);
    }
}
