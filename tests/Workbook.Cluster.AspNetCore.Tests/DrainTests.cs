using System.Net;
using Workbook.Processes;

namespace Workbook.Cluster.AspNetCore.Tests;

/// <summary>Node's <c>worker.disconnect()</c>: the worker stops taking connections, finishes what it has, and exits 0.</summary>
public class DrainTests
{
    [Theory]
    [MemberData(nameof(Workers.KindsAndPolicies), MemberType = typeof(Workers))]
    public async Task A_disconnected_worker_answers_its_request_in_flight_then_exits_0_and_the_other_serves(string kind, SchedulingPolicy policy)
    {
        var primary = await ClusterPrimary.StartAsync(Workers.Settings(kind, policy)).WaitAsync(Workers.Timeout);
        try
        {
            var started = Workers.RequestStarted(primary, "/slow?ms=1500");
            using var http = new HttpClient { Timeout = Workers.Timeout }; // keep-alive: the worker has to say close
            var slow = http.GetAsync(new Uri(primary.Url, "/slow?ms=1500"));
            var worker = await started.WaitAsync(Workers.Timeout);

            worker.Disconnect();

            using var response = await slow.WaitAsync(Workers.Timeout);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(worker.Pid, Workers.Pid(response));
            Assert.True(response.Headers.ConnectionClose, "a draining worker's answers say Connection: close");
            Assert.Equal(new ChildExit(0, null), await worker.Exited.WaitAsync(Workers.Timeout));
            Assert.True(worker.ExitedAfterDisconnect);

            using var after = await Workers.GetAsync(primary.Url);
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
            Assert.NotEqual(worker.Pid, Workers.Pid(after));
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(SchedulingPolicy.RoundRobin)]
    [InlineData(SchedulingPolicy.Shared)]
    public async Task A_kestrel_worker_closes_an_idle_keep_alive_connection_to_finish_its_drain(SchedulingPolicy policy)
    {
        var primary = await ClusterPrimary.StartAsync(Workers.Settings(Workers.Kestrel, policy, workers: 1)).WaitAsync(Workers.Timeout);
        try
        {
            var worker = primary.Workers.Values.Single();
            using var http = new HttpClient { Timeout = Workers.Timeout };
            using (var first = await http.GetAsync(primary.Url)) Assert.True(first.Headers.ConnectionClose != true); // kept open, idle

            worker.Disconnect();

            // Waiting for the client to close it would last until the primary kills the worker (20 s, SIGKILL).
            Assert.Equal(new ChildExit(0, null), await worker.Exited.WaitAsync(Workers.Timeout));
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }
}
