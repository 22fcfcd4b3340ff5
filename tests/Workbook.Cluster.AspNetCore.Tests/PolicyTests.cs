using System.Collections.Concurrent;
using System.Net;

namespace Workbook.Cluster.AspNetCore.Tests;

/// <summary>A real cluster of the test worker answers through every scheduling policy, with Kestrel and without.</summary>
public class PolicyTests
{
    [Theory]
    [MemberData(nameof(Workers.KindsAndPolicies), MemberType = typeof(Workers))]
    public async Task Two_workers_come_online_then_listen_and_answer_on_the_cluster_port(string kind, SchedulingPolicy policy)
    {
        var events = new ConcurrentQueue<string>();
        var primary = new ClusterPrimary(Workers.Settings(kind, policy));
        primary.Online += w => events.Enqueue($"online {w.Id}");
        primary.Listening += (w, port) => events.Enqueue($"listening {w.Id} on {(port == primary.Port ? "the cluster port" : port)}");
        try
        {
            await primary.StartAsync().WaitAsync(Workers.Timeout);
            var workers = primary.Workers.Values.Select(w => w.Pid!.Value).Order().ToList();

            var answeredBy = new List<int>();
            for (int i = 0; i < 20; i++)
            {
                using var response = await Workers.GetAsync(primary.Url);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.StartsWith($"Handled by process {Workers.Pid(response)}", await response.Content.ReadAsStringAsync());
                answeredBy.Add(Workers.Pid(response));
            }

            Assert.All(answeredBy, pid => Assert.Contains(pid, workers));
            // Round-robin: the primary decides, so both take turns. Shared and reuse-port: the kernel decides.
            if (policy == SchedulingPolicy.RoundRobin) Assert.Equal(workers, answeredBy.Distinct().Order());
            var order = events.ToList();
            foreach (var id in primary.Workers.Keys)
            {
                var online = order.IndexOf($"online {id}");
                Assert.InRange(online, 0, order.IndexOf($"listening {id} on the cluster port") - 1);
            }
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }
}
