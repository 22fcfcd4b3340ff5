namespace Workbook.Processes.Tests;

public class OptionsTests
{
    [Fact]
    public async Task Cwd_sets_the_childs_working_directory()
    {
        var dir = Run.TempDir();
        try
        {
            var (stdout, _, _) = await Run.ToEnd(ChildProcess.Spawn("pwd", options: new() { Cwd = dir }));
            Assert.Equal(dir, stdout.TrimEnd('\n'));
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    [Fact]
    public async Task An_empty_Cwd_means_the_parents_working_directory_as_in_Node()
    {
        var (stdout, _, exit) = await Run.ToEnd(ChildProcess.Spawn("pwd", options: new() { Cwd = "" }));

        Assert.Equal(new ChildExit(0, null), exit);
        Assert.Equal(Environment.CurrentDirectory + "\n", stdout);
    }

    [Fact]
    public async Task Env_replaces_the_whole_environment()
    {
        var env = new Dictionary<string, string> { ["ANSWER"] = "42" };

        var (stdout, _, _) = await Run.ToEnd(ChildProcess.Spawn("env", options: new() { Env = env }));

        Assert.Equal("ANSWER=42\n", stdout);
    }

    [Fact]
    public async Task Without_Env_the_child_sees_the_parents_variables()
    {
        Environment.SetEnvironmentVariable("WB_TEST_VAR", "from-parent");
        try
        {
            var (stdout, _, _) = await Run.ToEnd(ChildProcess.Spawn("sh", ["-c", "echo $WB_TEST_VAR"]));
            Assert.Equal("from-parent\n", stdout);
        }
        finally
        {
            Environment.SetEnvironmentVariable("WB_TEST_VAR", null);
        }
    }

    [Fact]
    public async Task Shell_true_runs_the_command_line_in_sh_so_pipes_and_variables_work()
    {
        var child = ChildProcess.Spawn("echo $((6 * 7)) | tr 4 X", new SpawnOptions { Shell = true });

        var (stdout, _, exit) = await Run.ToEnd(child);

        Assert.Equal("X2\n", stdout);
        Assert.Equal(0, exit.Code);
        Assert.Equal(["/bin/sh", "-c", "echo $((6 * 7)) | tr 4 X"], child.SpawnArgs);
    }

    [Fact]
    public async Task Shell_joins_the_arguments_into_the_command_line_as_node_does()
    {
        var child = ChildProcess.Spawn("echo", ["$HOME"], new() { Shell = "/bin/sh", Env = new Dictionary<string, string> { ["HOME"] = "/home/x" } });

        var (stdout, _, _) = await Run.ToEnd(child);

        Assert.Equal("/home/x\n", stdout);
    }

    // The shell records where its own fds 0-2 point, then writes that to a file (not to those fds).
    private static string ReportFds(string file) =>
        "a=$(readlink /proc/$$/fd/0); b=$(readlink /proc/$$/fd/1); c=$(readlink /proc/$$/fd/2); " +
        $"printf '%s\\n' \"$a\" \"$b\" \"$c\" > {file}";

    [Fact]
    public async Task Stdio_ignore_connects_all_three_streams_to_dev_null()
    {
        var dir = Run.TempDir();
        try
        {
            var report = Path.Combine(dir, "fds");
            var child = ChildProcess.Spawn("sh", ["-c", ReportFds(report)],
                new() { Stdio = StdioMode.Ignore });

            await child.Closed.WaitAsync(Run.Timeout);

            Assert.Null(child.Stdin);
            Assert.Null(child.Stdout);
            Assert.Null(child.Stderr);
            Assert.Equal(["/dev/null", "/dev/null", "/dev/null"], File.ReadAllLines(report));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Stdio_inherit_gives_the_child_the_parents_own_streams()
    {
        var dir = Run.TempDir();
        try
        {
            var report = Path.Combine(dir, "fds");
            var child = ChildProcess.Spawn("sh", ["-c", ReportFds(report)],
                new() { Stdio = StdioMode.Inherit });

            await child.Closed.WaitAsync(Run.Timeout);

            var ours = new[] { 0, 1, 2 }.Select(fd => new FileInfo($"/proc/self/fd/{fd}").LinkTarget);
            Assert.Null(child.Stdout);
            Assert.Equal(ours, File.ReadAllLines(report));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
