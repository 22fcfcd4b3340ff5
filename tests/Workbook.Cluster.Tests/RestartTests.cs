using System.Collections.Concurrent;
using System.Diagnostics;
using Workbook.LoadTesting;

namespace Workbook.Cluster.Tests;

/// <summary>Supervision: crashed workers are replaced, crash loops back off and give up, crashes cost little.</summary>
[Collection(LoadCollection.Name)]
public class RestartTests
{
    [Fact]
    public async Task A_crashed_worker_is_replaced_by_a_new_process_in_its_place()
    {
        var settings = Programs.Settings(workers: 2) with { Restart = new RestartPolicy { MinUptime = TimeSpan.Zero } };
        var primary = await ClusterPrimary.StartAsync(settings).WaitAsync(Programs.Timeout);
        try
        {
            var restarting = new TaskCompletionSource<(Worker, TimeSpan)>();
            var replacementListens = new TaskCompletionSource<Worker>();
            primary.Restarting += (w, delay) => restarting.TrySetResult((w, delay));
            primary.Listening += (w, _) => replacementListens.TrySetResult(w);
            var victim = primary.Workers[1];

            victim.Process.Kill("SIGKILL"); // a crash: not the planned worker.Kill()

            Assert.Equal((victim, TimeSpan.Zero), await restarting.Task.WaitAsync(Programs.Timeout));
            var replacement = await replacementListens.Task.WaitAsync(Programs.Timeout);
            Assert.Equal(3, replacement.Id);
            Assert.NotEqual(victim.Pid, replacement.Pid);
            Assert.False(victim.ExitedAfterDisconnect);
            Assert.Equal([2, 3], primary.Workers.Keys.Order());
            var result = await Programs.RequestsAsync(primary.Url, count: 20);
            Assert.Equal(20, result.Ok);
            Assert.Contains(replacement.Pid.ToString()!, result.ByAttribution.Keys);
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_replacement_keeps_the_place_of_the_worker_it_replaces_and_a_new_fork_takes_a_new_one()
    {
        var settings = Programs.Settings(workers: 2) with { Restart = new RestartPolicy { MinUptime = TimeSpan.Zero } };
        var primary = await ClusterPrimary.StartAsync(settings).WaitAsync(Programs.Timeout);
        try
        {
            Assert.Equal([1, 2], primary.Workers.Values.Select(w => w.Place).Order());
            var restarted = new TaskCompletionSource<Worker>();
            primary.Forked += w => restarted.TrySetResult(w);
            var crashed = primary.Workers[1];

            crashed.Process.Kill("SIGKILL"); // a crash: restarted in its place
            var replacement = await restarted.Task.WaitAsync(Programs.Timeout);
            Assert.Equal(crashed.Place, replacement.Place);
            Assert.NotEqual(crashed.Id, replacement.Id);
            await WhenListening(primary, replacement);

            var rolled = await primary.RollingRestartAsync().WaitAsync(Programs.Timeout);
            Assert.Equal(2, rolled.Replaced.Count);
            Assert.All(rolled.Replaced, step => Assert.Equal(step.Old.Place, step.New.Place));
            Assert.Equal([1, 2], primary.Workers.Values.Select(w => w.Place).Order());

            // Scaling down gives no place back: the next fork takes a new one.
            var removed = primary.Workers.Values.Single(w => w.Place == 2);
            removed.Disconnect();
            await removed.Exited.WaitAsync(Programs.Timeout);
            var added = primary.Fork();
            Assert.Equal(3, added.Place);
            await WhenListening(primary, added); // then it drains at once when the cluster stops
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_planned_kill_and_RestartPolicy_Never_are_not_restarted()
    {
        var primary = await ClusterPrimary.StartAsync(Programs.Settings(workers: 2) with { Restart = RestartPolicy.Never }).WaitAsync(Programs.Timeout);
        var other = await ClusterPrimary.StartAsync(Programs.Settings(workers: 1)).WaitAsync(Programs.Timeout);
        try
        {
            var forks = 0;
            primary.Forked += _ => Interlocked.Increment(ref forks);
            other.Forked += _ => Interlocked.Increment(ref forks);

            var crashed = primary.Workers[1];
            var killed = other.Workers[1];
            crashed.Process.Kill("SIGKILL");
            killed.Kill(); // Node's worker.kill(): planned
            await Task.WhenAll(crashed.Exited, killed.Exited).WaitAsync(Programs.Timeout);
            Assert.False(crashed.ExitedAfterDisconnect);
            Assert.True(killed.ExitedAfterDisconnect);
            await Task.Delay(1500);

            Assert.Equal(0, forks);
            Assert.Equal([2], primary.Workers.Keys);
            Assert.Empty(other.Workers);
        }
        finally
        {
            await primary.DisposeAsync();
            await other.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(SchedulingPolicy.RoundRobin)]
    [InlineData(SchedulingPolicy.Shared)]
    public async Task With_no_worker_left_the_port_closes_and_a_new_fork_opens_it_again(SchedulingPolicy policy)
    {
        var primary = await ClusterPrimary.StartAsync(Programs.Settings(workers: 1, policy) with { Restart = RestartPolicy.Never }).WaitAsync(Programs.Timeout);
        try
        {
            var port = primary.Port;
            var last = primary.Workers[1];
            last.Process.Kill("SIGKILL");
            await last.Exited.WaitAsync(Programs.Timeout);

            // Refused, as with Node's primary: not accepted and left waiting for a worker that will not come.
            // (The primary closes the port when it handles the exit, a moment after the process ended.)
            var deadline = Stopwatch.StartNew();
            System.Net.Sockets.SocketError? error = null;
            while (error is null && deadline.Elapsed < Programs.Timeout)
            {
                using var client = new System.Net.Sockets.TcpClient();
                try
                {
                    await client.ConnectAsync("127.0.0.1", port);
                    await Task.Delay(50);
                }
                catch (System.Net.Sockets.SocketException e)
                {
                    error = e.SocketErrorCode;
                }
            }
            Assert.Equal(System.Net.Sockets.SocketError.ConnectionRefused, error);

            var listens = new TaskCompletionSource();
            primary.Listening += (_, _) => listens.TrySetResult();
            primary.Fork();
            await listens.Task.WaitAsync(Programs.Timeout);
            Assert.Equal(port, primary.Port);
            Assert.Equal(5, (await Programs.RequestsAsync(primary.Url, count: 5)).Ok);
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_crash_loop_backs_off_exponentially_then_gives_up_and_says_so()
    {
        var required = Path.GetTempFileName();
        var settings = Programs.Settings(workers: 1, SchedulingPolicy.RoundRobin, "--require-file", required) with
        {
            Restart = new RestartPolicy { MinUptime = TimeSpan.FromSeconds(30), MaxUnstableRestarts = 3, InitialDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromMilliseconds(500) },
        };
        var primary = await ClusterPrimary.StartAsync(settings).WaitAsync(Programs.Timeout);
        try
        {
            var delays = new ConcurrentQueue<TimeSpan>();
            var forkedAt = new ConcurrentQueue<TimeSpan>();
            var exitedAt = new ConcurrentQueue<TimeSpan>();
            var gaveUp = new TaskCompletionSource<(Worker, int)>();
            var clock = Stopwatch.StartNew();
            primary.Restarting += (_, delay) => delays.Enqueue(delay);
            primary.Forked += _ => forkedAt.Enqueue(clock.Elapsed);
            primary.Exit += (_, _, _) => exitedAt.Enqueue(clock.Elapsed);
            primary.GaveUp += (w, tries) => gaveUp.TrySetResult((w, tries));

            File.Delete(required); // the dependency goes away: every new worker exits with 1 at start-up
            primary.Workers[1].Process.Kill("SIGKILL");
            var (last, tries) = await gaveUp.Task.WaitAsync(Programs.Timeout);

            Assert.Equal([200, 400, 500], delays.Select(d => (int)d.TotalMilliseconds));
            Assert.Equal(3, tries);
            Assert.Equal(4, last.Id);
            Assert.Equal(1, (await last.Exited).Code);
            // Each restart waited its delay after the exit before it.
            var gaps = forkedAt.Zip(exitedAt, (fork, exit) => fork - exit).ToList();
            Assert.Equal(3, gaps.Count);
            Assert.All(gaps.Zip(delays), g => Assert.True(g.First >= g.Second - TimeSpan.FromMilliseconds(20), $"restarted {g.First} after the exit, delay {g.Second}"));
            await Task.Delay(1000);
            Assert.Equal(3, forkedAt.Count); // no more attempts
            Assert.Empty(primary.Workers);

            // Fixed: a fork fills the place again.
            File.WriteAllText(required, "");
            var fresh = primary.Fork();
            await WhenListening(primary, fresh);
            Assert.Equal(10, (await Programs.RequestsAsync(primary.Url, count: 10)).Ok);
        }
        finally
        {
            await primary.DisposeAsync();
            File.Delete(required);
        }
    }

    [Fact]
    public async Task Connections_a_worker_never_read_survive_its_crash_and_at_most_the_hand_off_limit_wait_in_it()
    {
        var settings = Programs.Settings(workers: 2) with { HandOffLimit = 3, Restart = RestartPolicy.Never };
        var primary = await ClusterPrimary.StartAsync(settings).WaitAsync(Programs.Timeout);
        try
        {
            var stuck = primary.Workers[1];
            stuck.Process.Kill("SIGSTOP"); // it takes no connection from its hand-off socket any more
            await AllThreadsStopped(stuck.Pid!.Value); // kill() returns before a busy machine has scheduled every thread to stop
            var run = LoadRunner.Start(new LoadTest
            {
                Url = new Uri(primary.Url, "/slow?ms=50"),
                Load = [Load.KeepConstant(12, TimeSpan.FromSeconds(30))],
                MaxRequests = 120,
                Connection = ConnectionMode.NewPerRequest,
                AttributeBy = "X-Worker-Pid",
            });
            await Task.Delay(1000); // the live worker serves; three connections wait in the stopped one
            stuck.Process.Kill("SIGKILL");
            var result = await run.Completion.WaitAsync(Programs.Timeout);

            Assert.True(result.Ok == 120 && result.Failed == 0,
                $"ok {result.Ok}, failed {result.Failed} ({result.DescribeFailures("none")}), " +
                $"rescued {stuck.RescuedConnections}, lost {stuck.LostConnections}");
            Assert.Equal(3, stuck.RescuedConnections);
            Assert.Equal(0, stuck.LostConnections);
            Assert.Equal([primary.Workers[2].Pid.ToString()!], result.ByAttribution.Keys);
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_abrupt_crash_loses_at_most_the_hand_off_limit_and_the_rest_are_served_by_the_others()
    {
        var settings = Programs.Settings(workers: 2) with { HandOffLimit = 2, Restart = RestartPolicy.Never };
        var primary = await ClusterPrimary.StartAsync(settings).WaitAsync(Programs.Timeout);
        try
        {
            var victim = primary.Workers[1];
            var run = LoadRunner.Start(new LoadTest
            {
                Url = new Uri(primary.Url, "/slow?ms=200"),
                Load = [Load.KeepConstant(20, TimeSpan.FromSeconds(30))],
                MaxRequests = 100,
                Connection = ConnectionMode.NewPerRequest,
            });
            await Task.Delay(700);
            victim.Process.Kill("SIGKILL");
            var result = await run.Completion.WaitAsync(Programs.Timeout);

            Assert.InRange(result.Failed, 1, 2); // the two it was answering
            Assert.Equal(result.Failed, victim.LostConnections);
            Assert.Equal(100 - result.Failed, result.Ok);
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_busy_worker_that_dies_has_lost_exactly_the_requests_its_clients_saw_fail()
    {
        // Busy with CPU work, a worker reports the connections it answered late (from a thread-pool callback): those
        // answered just before it died must not count as lost, since their clients have their answer.
        var settings = Programs.Settings(workers: 2, SchedulingPolicy.RoundRobin, "--work", "10000000") with { HandOffLimit = null };
        var primary = await ClusterPrimary.StartAsync(settings).WaitAsync(Programs.Timeout);
        try
        {
            var victim = primary.Workers[1];
            var run = LoadRunner.Start(new LoadTest
            {
                Url = primary.Url,
                Load = [Load.KeepConstant(100, TimeSpan.FromSeconds(20))],
                Connection = ConnectionMode.NewPerRequest,
                AttributeBy = "X-Worker-Pid",
            });
            // Kill once the victim is answering and clients wait on both workers (not after a fixed delay: on a busy
            // machine the load can take seconds to reach it), then let the failures arrive and stop the load.
            var clock = Stopwatch.StartNew();
            while (!(run.Progress.ByAttribution.GetValueOrDefault(victim.Pid.ToString()!) >= 20 && run.Progress.InFlight >= 50))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the load never reached the victim: {run.Progress}");
                await Task.Delay(20);
            }
            victim.Process.Kill("SIGKILL");
            await Task.Delay(1000);
            run.Stop();
            var result = await run.Completion.WaitAsync(Programs.Timeout);

            Assert.True(victim.LostConnections > 0, "the victim was killed mid-request");
            Assert.Equal(result.Failed, victim.LostConnections);
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Fact]
    public async Task Workers_that_exit_between_requests_at_random_cost_almost_nothing_under_load()
    {
        var settings = Programs.Settings(workers: 2, SchedulingPolicy.RoundRobin, "--crash-after-max", "1500");
        var primary = await ClusterPrimary.StartAsync(settings).WaitAsync(Programs.Timeout);
        try
        {
            var crashes = 0;
            primary.Restarting += (_, _) => Interlocked.Increment(ref crashes);
            var result = await LoadRunner.RunAsync(new LoadTest
            {
                Url = primary.Url,
                Load = [Load.KeepConstant(16, TimeSpan.FromSeconds(5))],
                Connection = ConnectionMode.NewPerRequest,
            });

            Assert.True(crashes >= 3, $"{crashes} crashes");
            Assert.True(result.Failed <= crashes, $"{result.Failed} failed ({string.Join(", ", result.Failures)}) of {result.Requests} with {crashes} crashes");
            Assert.True(result.Ok > 1000, result.ToString());
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    internal static async Task WhenListening(ClusterPrimary primary, Worker worker)
    {
        var deadline = DateTime.UtcNow + Programs.Timeout;
        while (!worker.IsListening)
        {
            if (worker.IsDead || DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"{worker} never listened");
            await Task.Delay(20);
        }
    }
    /// <summary>Waits until every thread of the process is in the stopped state (T in /proc/PID/task/TID/stat).</summary>
    private static async Task AllThreadsStopped(int pid)
    {
        var clock = Stopwatch.StartNew();
        while (!Directory.EnumerateDirectories($"/proc/{pid}/task").All(task => StateOf(Path.Combine(task, "stat")) is 'T' or 't'))
        {
            Assert.True(clock.Elapsed < Programs.Timeout, $"process {pid} did not stop");
            await Task.Delay(5);
        }

        static char StateOf(string stat)
        {
            var text = File.ReadAllText(stat);
            return text[text.LastIndexOf(')') + 2]; // "pid (comm) S ..."
        }
    }

}

/// <summary>Tests that put a cluster under load run one at a time: two of them at once on two cores measure each other.</summary>
[CollectionDefinition(Name)]
public sealed class LoadCollection
{
    public const string Name = "cluster under load";
}
