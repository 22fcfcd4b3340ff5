using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Workbook.Demo.Tests;

/// <summary>The instructor's demo, driven by a script: keys on stdin, plain snapshots on stdout.</summary>
public class DemoTests
{
    [Fact]
    public async Task Under_load_k_kills_a_worker_its_place_is_refilled_and_q_stops_everything_with_0()
    {
        await using var demo = await DemoRun.StartedAsync("--workers", "2", "--clients", "2");

        demo.Press("l");
        await demo.WaitForAsync("requests per second from the load", d =>
            d.Latest.LoadRate > 0 && d.Latest.Rows.Any(r => r.Rate is not ("-" or "0")));

        demo.Press("k");
        await demo.WaitForAsync("the kill", d => d.Stdout.Contains("k: killing worker"));
        var killed = int.Parse(Regex.Match(demo.Stdout, @"k: killing worker \d+ \(pid (\d+)\)").Groups[1].Value);
        var place = demo.Latest.Rows.Last(r => r.Pid == killed).Place;
        await demo.WaitForAsync("a replacement listening in the killed worker's place", d =>
            d.Latest.Rows.Any(r => r.Place == place && r.Pid != killed && r.State == "listening" && r.Restarts == 1));
        Assert.Contains(demo.Snapshots(), s => s.Rows.Any(r => r.Pid == killed && r.State == "exited (SIGKILL)"));
        await demo.WaitForAsync("the load going on with two workers", d => d.Latest is { Serving: 2, LoadRate: > 0 });

        demo.Press("q");
        Assert.Equal(0, await demo.ExitCodeAsync());
        Assert.Contains("Stopping (q)", demo.Stdout);
        Assert.Empty(demo.Stderr);
        await demo.AssertNothingLeftRunningAsync();
    }

    [Fact]
    public async Task Plus_and_minus_change_the_worker_count_and_the_end_of_stdin_quits()
    {
        await using var demo = await DemoRun.StartedAsync("--workers", "1");

        demo.Press("+");
        await demo.WaitForAsync("a second worker", d => d.Latest.Serving == 2 && d.Latest.Rows.Count(r => r.State == "listening") == 2);

        demo.Press("-");
        await demo.WaitForAsync("one worker again, the removed one drained", d =>
            d.Latest.Serving == 1 && d.Latest.Rows.Any(r => r.Place == "2" && r.State == "exited (code 0)"));
        Assert.Single(demo.Latest.Rows, r => r.State == "listening");

        demo.Process.Stdin!.End(); // a script that is done: end of stdin means quit
        Assert.Equal(0, await demo.ExitCodeAsync());
        Assert.Contains("Stopping (q)", demo.Stdout);
        await demo.AssertNothingLeftRunningAsync();
    }

    [Fact]
    public async Task R_replaces_every_worker_in_its_place_and_q_stops_everything_with_0()
    {
        await using var demo = await DemoRun.StartedAsync("--workers", "2");
        await demo.WaitForAsync("a snapshot", d => d.Latest.Serving == 2);
        var before = demo.Latest.Rows.Select(r => r.Pid).ToHashSet();

        demo.Press("r");
        await demo.WaitForAsync("the rolling restart to finish", d => d.Stdout.Contains("rolling restart done: 2 workers replaced"));
        await demo.WaitForAsync("two new workers listening, each in a place refilled once", d =>
            d.Latest.Rows.Where(r => r.State == "listening").ToList() is { Count: 2 } now
            && !now.Any(r => before.Contains(r.Pid)) && now.All(r => r.Restarts == 1) && now.Select(r => r.Place).Order().SequenceEqual(["1", "2"]));

        demo.Press("q");
        Assert.Equal(0, await demo.ExitCodeAsync());
        await demo.AssertNothingLeftRunningAsync();
    }

    [Fact]
    public async Task SIGTERM_stops_it_gracefully_with_0()
    {
        await using var demo = await DemoRun.StartedAsync("--workers", "1", "--load");
        await demo.WaitForAsync("the load", d => d.Latest.LoadRate > 0);

        demo.Process.Kill("SIGTERM");
        Assert.Equal(0, await demo.ExitCodeAsync());
        Assert.Contains("Stopping (SIGTERM)", demo.Stdout);
        Assert.Contains("Stopped: workers", demo.Stdout);
        await demo.AssertNothingLeftRunningAsync();
    }

    [Fact]
    public async Task It_quits_by_itself_after_max_seconds()
    {
        await using var demo = DemoRun.Start("--workers", "1", "--max-seconds", "3", "--refresh", "200");
        Assert.Equal(0, await demo.ExitCodeAsync());
        Assert.Contains("Stopping (--max-seconds 3)", demo.Stdout);
        await demo.AssertNothingLeftRunningAsync();
    }

    [Theory]
    [InlineData("--workers needs a whole number, not 'many'", "--workers", "many")]
    [InlineData("--workers must be from 1 to 16, not 17", "--workers", "17")]
    [InlineData("--refresh needs a value", "--refresh")]
    [InlineData("unknown option '--nope'", "--nope")]
    public async Task A_bad_option_is_named_on_one_line_with_exit_code_2(string message, params string[] args)
    {
        await using var demo = DemoRun.Start(args);
        Assert.Equal(2, await demo.ExitCodeAsync());
        var stderr = demo.Stderr.TrimEnd('\n');
        Assert.DoesNotContain('\n', stderr);
        Assert.Contains(message, stderr);
        Assert.Empty(demo.Stdout);
    }

    [Fact]
    public async Task Help_lists_every_option_with_its_default_and_the_keys()
    {
        await using var demo = DemoRun.Start("--help");
        Assert.Equal(0, await demo.ExitCodeAsync());
        var help = demo.Stdout;
        foreach (var (option, byDefault) in new[] { ("--port <N>", "0"), ("--workers <N>", "2"), ("--work <N>", "10000"), ("--clients <N>", "4"),
                                                    ("--refresh <MS>", "500"), ("--load-seconds <S>", "120"), ("--max-seconds <S>", "600") })
            Assert.Matches($@"{Regex.Escape(option)}\s+{byDefault}\s", help);
        Assert.Contains("--load ", help);
        Assert.Contains("rolling restart", help); // the keys
    }

    [Fact]
    public async Task A_port_in_use_is_reported_with_exit_code_1_and_nothing_left_running()
    {
        using var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        var port = ((IPEndPoint)occupier.LocalEndpoint).Port;

        await using var demo = DemoRun.Start("--port", port.ToString(), "--workers", "2");
        Assert.Equal(1, await demo.ExitCodeAsync());
        Assert.Contains($"Port {port} on 127.0.0.1 is in use", demo.Stderr);
        await demo.AssertNothingLeftRunningAsync();
    }
}
