namespace Workbook.Processes.Tests;

public class SpawnErrorTests
{
    [Fact]
    public async Task A_command_that_does_not_exist_raises_Error_with_ENOENT_and_never_hangs()
    {
        Exception? error = null;
        ChildExit? close = null;
        bool exitFired = false;

        var child = ChildProcess.Spawn("no-such-command-wb", ["--flag"]);
        child.Error += e => error = e;
        child.Exit += (_, _) => exitFired = true;
        child.Close += (c, s) => close = new ChildExit(c, s);

        var thrown = await Assert.ThrowsAsync<SpawnException>(() => child.Exited.WaitAsync(Run.Timeout));
        await Assert.ThrowsAsync<SpawnException>(() => child.Closed.WaitAsync(Run.Timeout));

        var spawnError = Assert.IsType<SpawnException>(error);
        Assert.Same(spawnError, thrown);
        Assert.Equal("ENOENT", spawnError.Code);
        Assert.Equal("no-such-command-wb", spawnError.Path);
        Assert.StartsWith("spawn no-such-command-wb ENOENT", spawnError.Message);
        Assert.Contains("was not found in any of the", spawnError.Message);
        Assert.Equal(["no-such-command-wb", "--flag"], spawnError.SpawnArgs);
        Assert.Null(child.Pid);
        Assert.False(exitFired);
        Assert.Equal(new ChildExit(null, null), close);
        Assert.False(child.Kill());
    }

    [Fact]
    public async Task A_command_that_does_not_exist_still_has_its_piped_streams_which_end_at_once()
    {
        var child = ChildProcess.Spawn("no-such-command-wb");
        var data = new List<string>();
        child.Stdout!.Data += data.Add; // wiring up the streams works, as in Node
        child.Stderr!.Data += data.Add;

        await Assert.ThrowsAsync<SpawnException>(() => child.Closed.WaitAsync(Run.Timeout));

        Assert.True(child.Stdout.Ended && child.Stderr.Ended);
        Assert.Equal("", await child.Stdout.ReadToEndAsync().WaitAsync(Run.Timeout));
        Assert.Equal("", await child.Stderr.ReadToEndAsync().WaitAsync(Run.Timeout));
        Assert.Empty(data);
        var write = Assert.Throws<IOException>(() => child.Stdin!.Write("hello"));
        Assert.Contains("could not be started", write.Message);
        child.Stdin!.End(); // ending it is harmless
        Assert.True(child.Stdin.Ended);
        var sink = ChildProcess.Spawn("cat");
        child.Stdout.Pipe(sink.Stdin!); // piping from it ends the destination
        Assert.Equal(new ChildExit(0, null), await sink.Closed.WaitAsync(Run.Timeout));
    }

    [Fact]
    public async Task A_failed_spawn_without_pipes_has_no_streams()
    {
        var child = ChildProcess.Spawn("no-such-command-wb", options: new() { Stdio = StdioMode.Ignore });

        await Assert.ThrowsAsync<SpawnException>(() => child.Closed.WaitAsync(Run.Timeout));
        Assert.Null(child.Stdin);
        Assert.Null(child.Stdout);
        Assert.Null(child.Stderr);
    }

    [Fact]
    public async Task A_missing_working_directory_is_named_in_the_error()
    {
        var child = ChildProcess.Spawn("pwd", options: new() { Cwd = "/no/such/dir-wb" });

        var error = await Assert.ThrowsAsync<SpawnException>(() => child.Exited.WaitAsync(Run.Timeout));

        Assert.Equal("ENOENT", error.Code);
        Assert.Contains("working directory '/no/such/dir-wb' does not exist", error.Message);
    }

    [Fact]
    public async Task A_file_without_execute_permission_fails_with_EACCES()
    {
        var dir = Run.TempDir();
        try
        {
            var script = Path.Combine(dir, "not-executable.sh");
            File.WriteAllText(script, "#!/bin/sh\necho hi\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite);

            var child = ChildProcess.Spawn(script);

            var error = await Assert.ThrowsAsync<SpawnException>(() => child.Exited.WaitAsync(Run.Timeout));
            Assert.Equal("EACCES", error.Code);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Empty_commands_and_nul_characters_are_rejected_at_once()
    {
        Assert.Throws<ArgumentException>(() => ChildProcess.Spawn(""));
        Assert.Throws<ArgumentException>(() => ChildProcess.Spawn("  "));
        Assert.Throws<ArgumentNullException>(() => ChildProcess.Spawn(null!));
        Assert.Throws<ArgumentException>(() => ChildProcess.Spawn("echo", ["a\0b"]));
        Assert.Throws<ArgumentException>(() => ChildProcess.Spawn("env", options: new() { Env = new Dictionary<string, string> { ["A=B"] = "x" } }));
    }
}
