using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Workbook.Processes;

namespace Workbook.Examples.Tests;

/// <summary>examples/Cluster honours its command-line contract and its signals (SIGUSR2, SIGTERM, SIGKILL), run as a process of its own.</summary>
public class ExampleProgramTests
{
    private sealed record Started(ChildProcess Primary, int PrimaryPid, List<int> Workers, Func<string> Output);

    private static async Task<Started> StartAsync(params string[] args)
    {
        var primary = ChildProcess.Spawn("dotnet", [Programs.ClusterExample, .. args]);
        var output = new System.Text.StringBuilder();
        var workers = new List<int>();
        var allStarted = new TaskCompletionSource();
        int expected = args.SkipWhile(a => a != "--workers").Skip(1).Select(int.Parse).FirstOrDefault(2);
        primary.Stderr!.Data += d => { lock (output) output.Append(d); };
        primary.Stdout!.Data += d =>
        {
            lock (output)
            {
                output.Append(d);
                workers.Clear();
                workers.AddRange(Regex.Matches(output.ToString(), @"Started process (\d+)").Select(m => int.Parse(m.Groups[1].Value)));
                if (workers.Count == expected) allStarted.TrySetResult();
            }
        };
        await Task.WhenAny(allStarted.Task, primary.Exited).WaitAsync(Programs.Timeout);
        string Text() { lock (output) return output.ToString(); }
        var pid = Regex.Match(Text(), @"Primary PID: (\d+)") is { Success: true } m ? int.Parse(m.Groups[1].Value) : -1;
        return new Started(primary, pid, workers, Text);
    }

    [Fact]
    public async Task It_prints_its_pids_serves_the_port_and_stops_on_SIGTERM_with_0()
    {
        var port = Programs.FreePort();
        var started = await StartAsync("--port", port.ToString(), "--workers", "2", "--work", "0");
        try
        {
            Assert.Equal(started.Primary.Pid, started.PrimaryPid);
            Assert.Equal(2, started.Workers.Count);

            using var http = new HttpClient();
            using var response = await http.GetAsync($"http://127.0.0.1:{port}/");
            var pid = response.Headers.GetValues("X-Worker-Pid").Single();
            Assert.Contains(int.Parse(pid), started.Workers);
            Assert.StartsWith($"Handled by process {pid}", await response.Content.ReadAsStringAsync());

            started.Primary.Kill("SIGTERM");
            Assert.Equal(new ChildExit(0, null), await started.Primary.Exited.WaitAsync(Programs.Timeout));
            foreach (var worker in started.Workers) Assert.True(await Workbook.Testing.ProcessTree.GoneWithin(worker, TimeSpan.FromSeconds(2)));
            Assert.Null(await Programs.PortStillTaken(port, TimeSpan.FromSeconds(1)));
        }
        finally
        {
            await started.Primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_example_rolls_on_SIGUSR2_once_for_two_signals_and_stops_on_SIGTERM_with_0()
    {
        var port = Programs.FreePort();
        var primary = ChildProcess.Spawn("dotnet", [Programs.ClusterExample, "--port", port.ToString(), "--workers", "2", "--work", "0"]);
        var output = new System.Text.StringBuilder();
        primary.Stdout!.Data += d => { lock (output) output.Append(d); };
        primary.Stderr!.Data += d => { lock (output) output.Append(d); };
        string Text() { lock (output) return output.ToString(); }
        List<int> Pids(string what) => Regex.Matches(Text(), what + @" (\d+)").Select(m => int.Parse(m.Groups[1].Value)).ToList();
        async Task Until(Func<bool> condition)
        {
            var deadline = DateTime.UtcNow + Programs.Timeout;
            while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(20);
        }
        try
        {
            await Until(() => Pids("Started process").Count == 2);
            var original = Pids("Started process");

            primary.Kill("SIGUSR2");
            await Task.Delay(100);
            primary.Kill("SIGUSR2");
            await Until(() => Pids("Exited process").Count == 2);
            await Task.Delay(1500); // a doubled restart would go on now

            Assert.Equal(original.Order(), Pids("Exited process").Order());
            Assert.Equal(4, Pids("Started process").Count);
            using var http = new HttpClient();
            var served = (await http.GetAsync($"http://127.0.0.1:{port}/")).Headers.GetValues("X-Worker-Pid").Single();
            Assert.Contains(int.Parse(served), Pids("Started process").Skip(2));

            primary.Kill("SIGTERM");
            Assert.Equal(new ChildExit(0, null), await primary.Exited.WaitAsync(Programs.Timeout));
            foreach (var pid in Pids("Started process")) Assert.True(await Workbook.Testing.ProcessTree.GoneWithin(pid, TimeSpan.FromSeconds(2)));
            Assert.Null(await Programs.PortStillTaken(port, TimeSpan.FromSeconds(1)));
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task Like_the_notes_server_it_answers_any_method_HEAD_included_with_the_worker_pid()
    {
        var port = Programs.FreePort();
        var started = await StartAsync("--port", port.ToString(), "--workers", "2", "--work", "0");
        try
        {
            Assert.Equal(2, started.Workers.Count);
            using var http = new HttpClient();
            foreach (var method in new[] { HttpMethod.Head, HttpMethod.Post, HttpMethod.Delete })
            {
                // HEAD is what curl -I sends; the notes' http.createServer handler answers whatever comes.
                using var response = await http.SendAsync(new HttpRequestMessage(method, $"http://127.0.0.1:{port}/"));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Contains(int.Parse(response.Headers.GetValues("X-Worker-Pid").Single()), started.Workers);
                if (method == HttpMethod.Head) Assert.Empty(await response.Content.ReadAsByteArrayAsync());
                else Assert.StartsWith("Handled by process", await response.Content.ReadAsStringAsync());
            }
        }
        finally
        {
            started.Primary.Kill("SIGTERM");
            await started.Primary.Exited.WaitAsync(Programs.Timeout);
            foreach (var worker in started.Workers) Assert.True(await Workbook.Testing.ProcessTree.GoneWithin(worker, TimeSpan.FromSeconds(5)));
            await started.Primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task Killing_the_primary_with_SIGKILL_ends_every_worker_within_a_second_and_frees_the_port()
    {
        var port = Programs.FreePort();
        var started = await StartAsync("--port", port.ToString(), "--workers", "2", "--work", "0", "--policy", "reuse-port");
        Assert.Equal(2, started.Workers.Count);

        started.Primary.Kill("SIGKILL");
        await started.Primary.Exited.WaitAsync(Programs.Timeout);

        foreach (var worker in started.Workers)
            Assert.True(await Workbook.Testing.ProcessTree.GoneWithin(worker, TimeSpan.FromSeconds(1)), $"worker {worker} outlived its primary");
        Assert.Null(await Programs.PortStillTaken(port, TimeSpan.Zero));
    }

    [Fact]
    public async Task A_port_in_use_is_reported_on_stderr_with_a_nonzero_exit_and_nothing_left_running()
    {
        using var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        var port = ((IPEndPoint)occupier.LocalEndpoint).Port;

        var started = await StartAsync("--port", port.ToString(), "--workers", "2");
        var exit = await started.Primary.Exited.WaitAsync(Programs.Timeout);
        await started.Primary.Closed.WaitAsync(Programs.Timeout);

        Assert.Equal(1, exit.Code);
        Assert.Contains($"Port {port} on 127.0.0.1 is in use", started.Output());
        Assert.Empty(started.Workers);
    }

    [Fact]
    public async Task Bad_arguments_are_named()
    {
        var run = ChildProcess.Spawn("dotnet", [Programs.ClusterExample, "--policy", "random"]);
        var stderr = run.Stderr!.ReadToEndAsync();

        Assert.Equal(2, (await run.Exited.WaitAsync(Programs.Timeout)).Code);
        Assert.Contains("bad argument '--policy'", await stderr);
    }
}
