namespace Workbook.Processes.Tests;

public class PipeTests
{
    [Fact]
    public async Task Text_written_to_stdin_reaches_the_child_and_End_gives_it_end_of_file()
    {
        var wc = ChildProcess.Spawn("wc", ["-l"]);
        var output = wc.Stdout!.ReadToEndAsync();

        wc.Stdin!.Write("one\ntwo\n");
        wc.Stdin.End("three\n");

        Assert.Equal("3", (await output.WaitAsync(Run.Timeout)).Trim());
        Assert.True(wc.Stdin.Ended);
        Assert.Throws<InvalidOperationException>(() => wc.Stdin.Write("late"));
    }

    [Fact]
    public async Task A_dotnet_stream_can_be_copied_into_stdin()
    {
        var wc = ChildProcess.Spawn("wc", ["-c"]);
        var output = wc.Stdout!.ReadToEndAsync();

        await new MemoryStream(new byte[123_456]).CopyToAsync(wc.Stdin!.Stream);
        wc.Stdin.End();

        Assert.Equal("123456", (await output.WaitAsync(Run.Timeout)).Trim());
    }

    [Fact]
    public async Task Find_piped_into_wc_counts_the_files_of_a_tree()
    {
        var dir = Run.TempDir();
        try
        {
            for (int i = 0; i < 7; i++)
            {
                var sub = Directory.CreateDirectory(Path.Combine(dir, $"d{i % 3}", $"e{i}"));
                File.WriteAllText(Path.Combine(sub.FullName, $"f{i}.txt"), "x");
                File.WriteAllText(Path.Combine(sub.FullName, $"g{i}.txt"), "y");
            }

            var find = ChildProcess.Spawn("find", [dir, "-type", "f"]);
            var wc = ChildProcess.Spawn("wc", ["-l"]);
            var piped = find.Stdout!.Pipe(wc.Stdin!);
            var count = wc.Stdout!.ReadToEndAsync();

            Assert.Same(wc.Stdin, piped);
            Assert.Equal("14", (await count.WaitAsync(Run.Timeout)).Trim());
            Assert.Equal(0, (await find.Closed.WaitAsync(Run.Timeout)).Code);
            Assert.Equal(0, (await wc.Closed.WaitAsync(Run.Timeout)).Code);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_child_that_exits_has_its_stdin_closed_at_once_not_when_the_garbage_collector_comes()
    {
        // A cluster primary replaces crashed workers for days: each one's stdin pipe left open would be a descriptor.
        var child = ChildProcess.Spawn("true");
        await child.Exited.WaitAsync(Run.Timeout);

        Assert.True(child.Stdin!.Ended);
        Assert.False(child.Stdin.Stream.CanWrite, "the pipe's stream is disposed");
    }

    [Fact]
    public async Task Writing_to_a_child_that_exited_raises_a_clear_IOException()
    {
        var child = ChildProcess.Spawn("true");
        await child.Closed.WaitAsync(Run.Timeout);

        var error = Assert.Throws<IOException>(() =>
        {
            for (int i = 0; i < 100; i++) child.Stdin!.Write(new string('x', 65536));
        });
        Assert.Contains("closed on the child's side", error.Message);
    }

    [Fact]
    public async Task Two_listeners_on_one_stream_both_receive_everything()
    {
        // The child prints only after both listeners are attached: a listener gets what arrives after it joined.
        var child = ChildProcess.Spawn("sh", ["-c", "read go; seq 1 1000"]);
        var first = child.Stdout!.ReadToEndAsync();
        var second = new System.Text.StringBuilder();
        child.Stdout.Data += d => second.Append(d);
        child.Stdin!.End("go\n");

        await child.Closed.WaitAsync(Run.Timeout);

        var expected = string.Concat(Enumerable.Range(1, 1000).Select(i => i + "\n"));
        Assert.Equal(expected, await first);
        Assert.Equal(expected, second.ToString());
    }
}
