namespace Notebooks.Tests;

/// <summary>What chapter 02 must show, read from its executed outputs.</summary>
[Collection(NotebookRun.Name)]
public class ExecChapterTests(ExecutedNotebooks run)
{
    private string Output(string sourceContains) => run.Output("02-exec-and-shells", sourceContains);

    [Fact]
    public void Exec_overflowed_maxBuffer_while_spawn_streamed_everything()
    {
        var overflow = Output("await ChildProcess.ExecAsync(\"seq 1 300000\")");
        Assert.Contains("stdout exceeded maxBuffer of 1,048,576 bytes; ended with SIGTERM", overflow);
        Assert.Contains("bytes kept: 1,048,576", overflow);
        var expected = Enumerable.Range(1, 300_000).Sum(n => n.ToString().Length + 1);
        Assert.Contains($"spawn streamed {expected:N0} bytes", Output("var seq = ChildProcess.Spawn"));
    }

    [Fact]
    public void The_injected_command_ran_only_on_the_exec_path()
    {
        var viaShell = Output("var viaShell");
        var viaFile = Output("string viaFileOutput");
        Assert.Contains("\nINJECTED: the shell ran a second command\n", viaShell);
        Assert.DoesNotContain("\nINJECTED", viaFile);
        Assert.Contains("No such file or directory", viaFile);
    }

    [Fact]
    public void Inherited_stdio_cwd_and_env_showed_in_the_cell()
    {
        var files = Directory.GetFiles(Path.Combine(ExecutedNotebooks.RepositoryRoot, "data", "spawn-tree"), "*", SearchOption.AllDirectories);
        Assert.Equal($"{files.Length}\n", Output("var inherited = ChildProcess.Spawn"));
        var src = Directory.GetFiles(Path.Combine(ExecutedNotebooks.RepositoryRoot, "data", "spawn-tree", "src"), "*", SearchOption.AllDirectories);
        Assert.Equal($"{src.Length}\n", Output("Cwd = \"../data/spawn-tree/src\""));
        var env = Output("showVariables");
        Assert.Contains("empty environment:    HOME=[] ANSWER=[]", env);
        Assert.Contains("only ANSWER:          HOME=[] ANSWER=[42]", env);
    }

    [Fact]
    public void The_detached_timer_led_its_own_session_outlived_its_cell_and_was_ended()
    {
        var started = Output("timer.Unref()").Split('\n');
        var row = started[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(row[0], row[1]); // pid == pgid
        Assert.Equal(row[0], row[2]); // pid == sid
        Assert.Contains($"timer {row[0]} still running after its cell ended: True", Output("timerStillRunning ="));
        Assert.Contains("timer ended with signal SIGTERM", Output("timer.Kill()"));
    }

    [Fact]
    public void ExecFile_failed_with_ENOENT_where_exec_got_127_and_the_check_passed()
    {
        var output = Output("ExecFileAsync(\"no-such-program\")");
        Assert.Contains("execFile: ENOENT", output);
        Assert.Contains("exec: exit code 127", output);
        var checks = Output("Check.Equal");
        Assert.Equal(10, ExecutedNotebooks.PassedChecks(checks));
    }
}
