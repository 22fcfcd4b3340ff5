namespace Workbook.Processes.Tests;

public class SpawnTests
{
    [Fact]
    public async Task Pwd_prints_the_parents_working_directory_and_exits_with_code_0()
    {
        var child = ChildProcess.Spawn("pwd");

        var (stdout, stderr, exit) = await Run.ToEnd(child);

        Assert.True(child.Pid > 0);
        Assert.Equal(Environment.CurrentDirectory, stdout.TrimEnd('\n'));
        Assert.Equal("", stderr);
        Assert.Equal(new ChildExit(0, null), exit);
        Assert.Equal(0, child.ExitCode);
        Assert.Null(child.SignalCode);
        Assert.False(child.IsRunning);
    }

    [Fact]
    public async Task Arguments_reach_the_program_verbatim_without_a_shell()
    {
        string[] args = ["%s|\n", "a b", "$HOME", "; echo injected", "*"];
        var child = ChildProcess.Spawn("printf", args);

        var (stdout, _, exit) = await Run.ToEnd(child);

        Assert.Equal("a b|\n$HOME|\n; echo injected|\n*|\n", stdout);
        Assert.Equal(0, exit.Code);
        Assert.Equal(["printf", .. args], child.SpawnArgs);
    }

    [Fact]
    public async Task Stdout_and_stderr_are_separate_and_a_nonzero_exit_code_is_reported()
    {
        var child = ChildProcess.Spawn("sh", ["-c", "echo to-out; echo to-err >&2; exit 3"]);

        var (stdout, stderr, exit) = await Run.ToEnd(child);

        Assert.Equal("to-out\n", stdout);
        Assert.Equal("to-err\n", stderr);
        Assert.Equal(new ChildExit(3, null), exit);
        Assert.False(exit.Success);
    }

    [Fact]
    public async Task Events_come_in_node_order_data_then_exit_before_close()
    {
        var events = new List<string>();
        var child = ChildProcess.Spawn("sh", ["-c", "echo one; sleep 0.2; echo two"]);
        child.Stdout!.Data += d => { lock (events) events.Add("data:" + d.Trim().Replace("\n", ",")); };
        child.Exit += (code, signal) => { lock (events) events.Add($"exit:{code}:{signal}"); };
        child.Close += (code, signal) => { lock (events) events.Add($"close:{code}:{signal}"); };

        await child.Closed.WaitAsync(Run.Timeout);

        lock (events)
        {
            Assert.Equal("close:0:", events[^1]);
            Assert.Contains("exit:0:", events);
            Assert.Equal("one,two", string.Join(",", events.Where(e => e.StartsWith("data:")).Select(e => e[5..])));
        }
    }

    [Fact]
    public async Task Close_waits_for_a_grandchild_that_still_holds_stdout_while_exit_does_not()
    {
        // sh exits at once; the background sleep keeps the stdout pipe open for two more seconds.
        var child = ChildProcess.Spawn("sh", ["-c", "sleep 2 & echo started"]);
        var output = child.Stdout!.ReadToEndAsync();

        await child.Exited.WaitAsync(Run.Timeout);
        Assert.False(child.Closed.IsCompleted);

        await child.Closed.WaitAsync(Run.Timeout);
        Assert.Equal("started\n", await output);
    }

    [Fact]
    public async Task Handlers_attached_after_the_child_finished_still_get_its_output_and_exit()
    {
        var child = ChildProcess.Spawn("echo", ["hello"]);
        await child.Closed.WaitAsync(Run.Timeout);

        var data = new List<string>();
        ChildExit? exit = null, close = null;
        child.Stdout!.Data += data.Add;
        child.Exit += (c, s) => exit = new ChildExit(c, s);
        child.Close += (c, s) => close = new ChildExit(c, s);

        Assert.Equal(["hello\n"], data);
        Assert.Equal(new ChildExit(0, null), exit);
        Assert.Equal(new ChildExit(0, null), close);
    }

    [Fact]
    public async Task Output_larger_than_the_unread_limit_is_all_delivered_once_someone_reads()
    {
        const int size = ChildReadable.HighWaterMark + 2_000_000;
        var child = ChildProcess.Spawn("head", ["-c", size.ToString(), "/dev/zero"]);
        await Task.Delay(500); // nobody reads yet: the child fills the backlog and then waits

        var text = await child.Stdout!.ReadToEndAsync().WaitAsync(Run.Timeout);

        Assert.Equal(size, text.Length);
        Assert.Equal(0, (await child.Exited.WaitAsync(Run.Timeout)).Code);
    }

    [Fact]
    public async Task Multibyte_text_split_across_chunks_is_decoded_intact()
    {
        // 100k euro signs (3 bytes each) arrive in 64 KiB reads that cut characters in half.
        var child = ChildProcess.Spawn("sh", ["-c", "yes € | head -n 100000 | tr -d '\\n'"]);
        var text = new System.Text.StringBuilder();
        child.Stdout!.Data += d => text.Append(d);

        await child.Closed.WaitAsync(Run.Timeout);

        Assert.Equal(new string('€', 100_000), text.ToString());
    }

    [Fact]
    public async Task An_exception_in_a_handler_is_reported_and_other_handlers_still_run()
    {
        var previous = Console.Error;
        var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            var child = ChildProcess.Spawn("true");
            var secondRan = new TaskCompletionSource();
            child.Exit += (_, _) => throw new InvalidOperationException("boom in handler");
            child.Exit += (_, _) => secondRan.SetResult();

            await secondRan.Task.WaitAsync(Run.Timeout);
            await child.Closed.WaitAsync(Run.Timeout);

            Assert.Contains("boom in handler", captured.ToString());
        }
        finally
        {
            Console.SetError(previous);
        }
    }
}
