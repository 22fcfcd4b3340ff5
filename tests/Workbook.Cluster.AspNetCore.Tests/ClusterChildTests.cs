using System.Net;

namespace Workbook.Cluster.AspNetCore.Tests;

/// <summary>The worker's end of the protocol (<see cref="ClusterChild"/>), as the plain worker and the Kestrel adapter use it.</summary>
public class ClusterChildTests
{
    [Fact]
    public void Outside_a_cluster_this_process_has_no_worker_end()
    {
        Assert.False(Cluster.IsWorker);
        Assert.Null(ClusterChild.Current);
    }

    [Theory]
    [InlineData(Workers.Plain)]
    [InlineData(Workers.Kestrel)]
    public async Task Every_handed_connection_is_settled_so_a_hand_off_limit_of_one_serves_request_after_request(string kind)
    {
        // Unsettled, the first connection would hold the only place, and the second would wait in the primary for ever.
        var settings = Workers.Settings(kind, SchedulingPolicy.RoundRobin, workers: 1) with { HandOffLimit = 1 };
        var primary = await ClusterPrimary.StartAsync(settings).WaitAsync(Workers.Timeout);
        try
        {
            for (int i = 0; i < 20; i++)
            {
                using var response = await Workers.GetAsync(primary.Url).WaitAsync(Workers.Timeout);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
        finally
        {
            await primary.DisposeAsync();
        }
    }
}
