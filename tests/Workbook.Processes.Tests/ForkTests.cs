using System.Diagnostics;
using System.Text.Json;

namespace Workbook.Processes.Tests;

public class ForkTests
{
    private static ChildProcess ForkDummy(params string[] args) =>
        ChildProcess.Fork(Run.Dummy, args, new ForkOptions { Stdio = StdioMode.Pipe });

    [Fact]
    public async Task Messages_go_both_ways_and_arrive_in_order()
    {
        var child = ForkDummy("echo");
        try
        {
            var received = new List<int>();
            var all = new TaskCompletionSource();
            child.Message += m =>
            {
                received.Add(m.GetProperty("n").GetInt32());
                if (received.Count == 1000) all.SetResult();
            };

            for (int n = 0; n < 1000; n++) child.Send(new { n });
            await all.Task.WaitAsync(Run.Timeout);

            Assert.Equal(Enumerable.Range(0, 1000), received);
            Assert.True(child.Connected);
        }
        finally
        {
            await child.DisposeAsync();
        }
    }

    [Fact]
    public async Task Messages_sent_before_anyone_listens_are_kept_for_the_async_stream()
    {
        var child = ForkDummy("count", "1000");
        try
        {
            await Task.Delay(500); // the child sends all 1000 before we read
            var got = new List<int>();
            await foreach (var m in child.Messages().WithCancellation(new CancellationTokenSource(Run.Timeout).Token))
            {
                got.Add(m.GetProperty("i").GetInt32());
                if (got.Count == 1000) break;
            }
            Assert.Equal(Enumerable.Range(0, 1000), got);
        }
        finally
        {
            await child.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_sides_answering_each_other_with_large_messages_do_not_deadlock()
    {
        // Each side answers a message with a message while a burst is still being sent: with blocking sends,
        // both could wait for the other to read. Sends are queued, so this completes.
        var child = ForkDummy("echo");
        try
        {
            var payload = new string('y', 256 * 1024);
            int bounced = 0;
            var done = new TaskCompletionSource();
            child.Message += m =>
            {
                var round = m.GetProperty("round").GetInt32();
                if (round < 1) child.Send(new { round = round + 1, payload });
                else if (Interlocked.Increment(ref bounced) == 100) done.SetResult();
            };

            for (int i = 0; i < 100; i++) child.Send(new { round = 0, payload });

            await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            await child.DisposeAsync();
        }
    }

    [Fact]
    public async Task Disposing_a_forked_child_disconnects_it_and_it_exits_by_itself()
    {
        var child = ForkDummy("echo");
        await RoundTrip(child);

        await child.DisposeAsync();

        Assert.Equal(new ChildExit(0, null), await child.Exited.WaitAsync(Run.Timeout));
        Assert.False(child.Killed);
    }

    [Fact]
    public async Task A_message_with_source_generated_type_information_arrives_as_the_reflection_one_would()
    {
        // The overload for trimmed and Native AOT programs: same JSON (web defaults: camelCase), no reflection.
        var child = ForkDummy("echo");
        try
        {
            var echoed = new TaskCompletionSource<JsonElement>();
            child.Message += m => echoed.TrySetResult(m.Clone());

            child.Send(new Greeting("hello", 3), TestJson.Default.Greeting);

            var message = await echoed.Task.WaitAsync(Run.Timeout);
            Assert.Equal("hello", message.GetProperty("text").GetString());
            Assert.Equal(3, message.GetProperty("times").GetInt32());
        }
        finally
        {
            await child.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_one_MiB_message_arrives_whole()
    {
        var child = ForkDummy("echo");
        try
        {
            var text = string.Concat(Enumerable.Range(0, 1024 * 1024 / 8).Select(i => $"{i % 10_000_000:D7}-"));
            var echoed = new TaskCompletionSource<string>();
            child.Message += m => echoed.TrySetResult(m.GetProperty("text").GetString()!);

            child.Send(new { text });

            Assert.Equal(text, await echoed.Task.WaitAsync(Run.Timeout));

            var big = ForkDummy("big", (1024 * 1024).ToString());
            try
            {
                var fromChild = await big.Messages().FirstAsync().AsTask().WaitAsync(Run.Timeout);
                Assert.Equal(1024 * 1024, fromChild.GetProperty("text").GetString()!.Length);
            }
            finally
            {
                await big.DisposeAsync();
            }
        }
        finally
        {
            await child.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_malformed_line_raises_Error_and_the_channel_keeps_working()
    {
        var child = ForkDummy("malformed");
        try
        {
            var error = new TaskCompletionSource<Exception>();
            child.Error += e => error.TrySetResult(e);
            var message = await child.Messages().FirstAsync().AsTask().WaitAsync(Run.Timeout);

            Assert.Equal("malformed", message.GetProperty("after").GetString());
            var e = Assert.IsType<ChannelMessageException>(await error.Task.WaitAsync(Run.Timeout));
            Assert.Contains($"Malformed message from child {child.Pid}: a line that is not JSON was skipped", e.Message);
            Assert.Equal("this is { not json", e.Received);
            Assert.True(child.Connected);
        }
        finally
        {
            await child.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_parent_learns_of_the_childs_death_within_a_second()
    {
        var child = ForkDummy("echo");
        var disconnected = new TaskCompletionSource<TimeSpan>();
        var clock = new Stopwatch();
        child.Disconnected += () => disconnected.TrySetResult(clock.Elapsed);
        await RoundTrip(child);

        clock.Start();
        child.Kill("SIGKILL");

        Assert.True(await disconnected.Task.WaitAsync(Run.Timeout) < TimeSpan.FromSeconds(1));
        Assert.False(child.Connected);
        Assert.Equal(ChannelClosedException.ChannelClosed, Assert.Throws<ChannelClosedException>(() => child.Send("too late")).Code);
    }

    [Fact]
    public async Task Killing_the_parent_leaves_no_orphan_the_child_exits_within_a_second()
    {
        var parent = ChildProcess.Spawn("dotnet", [Run.Dummy, "fork-grandchild"]);
        var line = new TaskCompletionSource<string>();
        parent.Stdout!.Data += d => { if (d.StartsWith("grandchild")) line.TrySetResult(d); };
        var grandchild = int.Parse((await line.Task.WaitAsync(Run.Timeout)).Trim().Split(' ')[1]);
        Assert.NotNull(Workbook.Testing.ProcessTree.Find(grandchild));

        parent.Kill("SIGKILL");
        await parent.Exited.WaitAsync(Run.Timeout);

        Assert.True(await Workbook.Testing.ProcessTree.GoneWithin(grandchild, TimeSpan.FromSeconds(1)), "the forked child outlived its killed parent");
    }

    [Fact]
    public async Task Disconnect_makes_the_child_exit_with_code_0_even_if_its_code_never_uses_the_channel()
    {
        var child = ForkDummy("no-channel-code");
        await Task.Delay(300); // let it reach Main

        child.Disconnect();

        Assert.Equal(new ChildExit(0, null), await child.Exited.WaitAsync(Run.Timeout));
    }

    [Fact]
    public async Task A_child_can_handle_its_parent_going_away_itself()
    {
        var child = ForkDummy("on-disconnect");
        var output = child.Stdout!.ReadToEndAsync();
        await Task.Delay(300);

        child.Disconnect();

        Assert.Equal(7, (await child.Exited.WaitAsync(Run.Timeout)).Code);
        Assert.Equal("parent gone\n", await output.WaitAsync(Run.Timeout));
    }

    [Fact]
    public async Task A_second_Disconnect_throws_ERR_IPC_DISCONNECTED_as_does_one_after_the_child_exited()
    {
        var child = ForkDummy("no-channel-code");
        await Task.Delay(300);

        child.Disconnect();
        var second = Assert.Throws<ChannelClosedException>(child.Disconnect);
        await child.Exited.WaitAsync(Run.Timeout);
        var afterExit = Assert.Throws<ChannelClosedException>(child.Disconnect);

        Assert.Equal(ChannelClosedException.Disconnected, second.Code);
        Assert.Contains("IPC channel is already disconnected", second.Message);
        Assert.Contains("(ERR_IPC_DISCONNECTED)", second.Message);
        Assert.Equal(ChannelClosedException.Disconnected, afterExit.Code);
        await child.DisposeAsync(); // disposing a disconnected child does not throw
    }

    [Fact]
    public async Task In_the_child_a_second_Disconnect_throws_ERR_IPC_DISCONNECTED_too()
    {
        var child = ForkDummy("disconnect-twice");

        var (stdout, stderr, exit) = await Run.ToEnd(child);

        Assert.Equal((new ChildExit(0, null), ""), (exit, stderr));
        Assert.StartsWith("second disconnect: ERR_IPC_DISCONNECTED: IPC channel is already disconnected", stdout);
        Assert.False(child.Connected);
    }

    [Fact]
    public async Task An_empty_Cwd_means_the_parents_working_directory()
    {
        var child = ChildProcess.Fork(Run.Dummy, ["pwd"], new ForkOptions { Cwd = "", Stdio = StdioMode.Pipe });

        var (stdout, _, exit) = await Run.ToEnd(child);

        Assert.Equal(new ChildExit(0, null), exit);
        Assert.Equal(Environment.CurrentDirectory + "\n", stdout);
    }

    [Fact]
    public async Task Waiting_for_a_message_from_a_child_that_crashes_at_start_up_fails_and_says_how_it_ended()
    {
        var child = ForkDummy("crash");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => child.NextMessageAsync().WaitAsync(Run.Timeout));

        Assert.Contains("closed before a message arrived (it exited with code 3)", e.Message);
    }

    [Fact]
    public async Task Forking_a_program_that_does_not_exist_is_a_clear_ENOENT()
    {
        var child = ChildProcess.Fork("/no/such/program.dll");

        var e = await Assert.ThrowsAsync<SpawnException>(() => child.Exited.WaitAsync(Run.Timeout));
        Assert.Equal("ENOENT", e.Code);
        Assert.Contains("'/no/such/program.dll' does not exist", e.Message);
        Assert.False(child.Connected);
        Assert.Null(child.Stdout); // Fork inherits stdio by default: no streams, as in Node
    }

    [Fact]
    public async Task A_fork_that_fails_with_piped_stdio_still_has_its_streams_already_ended()
    {
        var child = ChildProcess.Fork("/no/such/program.dll", options: new ForkOptions { Stdio = StdioMode.Pipe });

        await Assert.ThrowsAsync<SpawnException>(() => child.Closed.WaitAsync(Run.Timeout));
        Assert.Equal("", await child.Stdout!.ReadToEndAsync().WaitAsync(Run.Timeout));
        Assert.True(child.Stderr!.Ended);
        Assert.Throws<IOException>(() => child.Stdin!.Write("x"));
    }

    [Fact]
    public async Task Only_forked_children_have_a_channel()
    {
        var plain = ChildProcess.Spawn("true");
        await plain.Closed.WaitAsync(Run.Timeout);

        Assert.False(plain.Connected);
        Assert.Contains("only children started with Fork", Assert.Throws<InvalidOperationException>(() => plain.Send(1)).Message);
        Assert.False(ParentProcess.IsConnected); // the test host itself was not forked
        Assert.Throws<InvalidOperationException>(() => ParentProcess.Send(1));
    }

    private static async Task RoundTrip(ChildProcess child)
    {
        var back = new TaskCompletionSource<JsonElement>();
        child.Message += m => back.TrySetResult(m);
        child.Send(new { ping = 1 });
        await back.Task.WaitAsync(Run.Timeout);
    }

    [Fact]
    public async Task A_program_that_is_not_a_dll_runs_as_an_executable_with_the_channel_on_the_same_fd()
    {
        // An executable of any kind (a Native AOT build in practice): here a shell script that answers on its channel.
        var script = Path.Combine(Path.GetTempPath(), $"fork-native-{Guid.NewGuid():N}.sh");
        File.WriteAllText(script, "#!/bin/sh\nprintf '{\"fd\":\"%s\",\"arg\":\"%s\"}\\n' \"$WORKBOOK_CHANNEL_FD\" \"$1\" >&3\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            await using var child = ChildProcess.Fork(script, ["hello"]);
            var message = await child.NextMessageAsync().WaitAsync(Run.Timeout);
            Assert.Equal("3", message.GetProperty("fd").GetString());
            Assert.Equal("hello", message.GetProperty("arg").GetString());
            Assert.Equal(script, child.SpawnFile);
            Assert.Equal(new ChildExit(0, null), await child.Exited.WaitAsync(Run.Timeout));

            var error = Assert.Throws<ArgumentException>(() => ChildProcess.Fork(script, [], new ForkOptions { ExecArgv = ["--roll-forward", "Major"] }));
            Assert.Contains("ExecArgv is for the dotnet host", error.Message);
        }
        finally
        {
            File.Delete(script);
        }
    }
}

public sealed record Greeting(string Text, int Times);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(Greeting))]
internal sealed partial class TestJson : System.Text.Json.Serialization.JsonSerializerContext;
