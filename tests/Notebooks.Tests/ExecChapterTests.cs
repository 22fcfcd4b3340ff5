using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>What chapter 02 must show, read from its executed outputs.</summary>
[Collection(NotebookRun.Name)]
public class ExecChapterTests(ExecutedNotebooks run)
{
    private const string Chapter = "02-exec-and-shells";

    private string Cell(string id) => run.CellOutput(Chapter, id);

    [Fact]
    public void Exec_overflowed_maxBuffer_while_spawn_streamed_everything()
    {
        var overflow = Cell("ffb6c993"); // exec of seq 1 300000: over maxBuffer
        Assert.Contains("stdout exceeded maxBuffer of 1,048,576 bytes; ended with SIGTERM", overflow);
        Assert.Contains("bytes kept: 1,048,576", overflow);
        var expected = Enumerable.Range(1, 300_000).Sum(n => n.ToString().Length + 1);
        Assert.Contains($"spawn streamed {expected:N0} bytes", Cell("b8265794")); // spawn streams the same seq
    }

    [Fact]
    public void The_injected_command_ran_only_on_the_exec_path()
    {
        var viaShell = Cell("8b8aea04"); // the hostile input through exec (a shell)
        var viaFile = Cell("24db243f"); // the same input through execFile
        Assert.Contains("\nINJECTED: the shell ran a second command\n", viaShell);
        Assert.DoesNotContain("\nINJECTED", viaFile);
        Assert.DoesNotMatch("(?m)^INJECTED", viaFile);   // no line of its own: the echo did not run
        Assert.Contains("No such file or directory", viaFile);
    }

    [Fact]
    public void Inherited_stdio_cwd_and_env_showed_in_the_cell()
    {
        var files = Directory.GetFiles(Path.Combine(ExecutedNotebooks.RepositoryRoot, "data", "spawn-tree"), "*", SearchOption.AllDirectories);
        Assert.Equal($"{files.Length}\n", Cell("783e9bd5")); // a shell pipeline with inherited stdio
        var src = Directory.GetFiles(Path.Combine(ExecutedNotebooks.RepositoryRoot, "data", "spawn-tree", "src"), "*", SearchOption.AllDirectories);
        Assert.Equal($"{src.Length}\n", Cell("6735d45c")); // cwd: ../data/spawn-tree/src
        var env = Cell("4d425fb7"); // env: empty, then only ANSWER
        Assert.Contains("empty environment:    HOME=[] ANSWER=[]", env);
        Assert.Contains("only ANSWER:          HOME=[] ANSWER=[42]", env);
        // What the shell sets for itself, and nothing of ours.
        var shellOnly = Regex.Match(env, "env, through the shell, in an empty environment: (.*)\n").Groups[1].Value;
        Assert.Contains("PWD=", shellOnly);
        Assert.All(shellOnly.Split(", "), v => Assert.Contains(v.Split('=')[0], new[] { "PWD", "OLDPWD", "SHLVL", "_" }));
    }

    [Fact]
    public void The_parent_exited_while_its_detached_timer_ran_on_in_its_own_session_under_a_new_parent_until_killed()
    {
        var started = Cell("2a565440");
        var said = Regex.Match(started, @"parent (\d+) started the timer (\d+) and exits now");
        Assert.True(said.Success, started);
        var (parent, timer) = (said.Groups[1].Value, said.Groups[2].Value);
        Assert.Contains($"the parent exited with code 0; process {parent} still exists: False", started);
        var info = Regex.Match(started, $@"the timer: process {timer} \(dotnet\), state \w: parent (\d+) \([^)]*\), process group {timer}, session {timer} \(its own\)");
        Assert.True(info.Success, started);
        Assert.NotEqual(parent, info.Groups[1].Value);

        Assert.Contains($"timer {timer} still running after its parent exited and its cell ended: True", Cell("1fbba20c"));
        // Ended by its pid; before that, the cell names the process that adopted it.
        var ended = Cell("8e8a0d2c");
        Assert.Contains($"timer {timer}: its parent now is process {info.Groups[1].Value} (", ended);
        Assert.Contains($"timer {timer} ended: True", ended);
    }

    [Fact]
    public void Node_ran_the_notes_spawn_detached_js_beside_ours_when_it_is_installed()
    {
        var node = Cell("7c51e2a9");
        var said = Regex.Match(node, @"parent \d+ started the timer (\d+) and exits now");
        if (!said.Success)
        {
            Assert.Contains("node is not on PATH here", node);
            return;
        }
        var timer = said.Groups[1].Value;
        Assert.Contains("node's parent exited with code 0", node);
        Assert.Matches($@"node's timer: process {timer} \(node\), .*process group {timer}, session {timer} \(its own\)", node);
        Assert.Contains($"timer {timer} still running after its parent exited and its cell ended: True", Cell("1fbba20c"));
        Assert.Contains($"timer {timer} ended: True", Cell("8e8a0d2c"));
    }

    [Fact]
    public void ExecFile_failed_with_ENOENT_where_exec_got_127_and_the_check_passed()
    {
        var output = Cell("19d76bd0"); // execFile and exec of a program that does not exist
        Assert.Contains("execFile: ENOENT", output);
        Assert.Contains("exec: exit code 127", output);
        var checks = Cell("2de5ab78");
        Assert.Equal(12, ExecutedNotebooks.PassedChecks(checks));
    }
}
