using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>What chapter 04 must show, read from its executed outputs.</summary>
[Collection(NotebookRun.Name)]
public class ClusterChapterTests(ExecutedNotebooks run)
{
    private string Output(string sourceContains) => run.Output("04-cluster", sourceContains);

    [Fact]
    public void The_cluster_started_with_its_lifecycle_in_the_cell()
    {
        var output = Output("var cluster = await ClusterPrimary.StartAsync");
        foreach (var id in Enumerable.Range(1, Environment.ProcessorCount))
        {
            Assert.Matches($@"\[cluster\] worker {id} forked \(pid \d+\)", output);
            Assert.Matches($@"\[cluster\] worker {id} \(pid \d+\) online", output);
            Assert.Matches($@"\[cluster\] worker {id} \(pid \d+\) listening on port \d+", output);
        }
    }

    [Fact]
    public void One_server_and_the_cluster_were_measured_and_compared()
    {
        Assert.Contains("data:image/png;base64,", Output("LoadCharts.Compare(oneServer, clustered)"));
        Assert.Matches(@"cluster ÷ one server: \d\.\d\d", Output("var throughputRatio"));
    }

    [Fact]
    public void Round_robin_was_exact_and_keep_alive_balanced_per_connection()
    {
        var shares = Output("var byPolicy = new List<LoadResult>()");
        Assert.Contains("RoundRobin, NewPerRequest:", shares);
        Assert.Matches(@"RoundRobin, NewPerRequest: [\d,]+ requests, shares 50\.0% / 50\.0%", shares);
        Assert.Matches(@"ReusePort, NewPerRequest: [\d,]+ requests, shares", shares);
        Assert.Matches(@"Shared, NewPerRequest: [\d,]+ requests, shares", shares);
        var keepAlive = Regex.Match(Output("var keepAlive = await PerWorker"), @"shares ([\d.]+)% / ([\d.]+)%");
        var (a, b) = (double.Parse(keepAlive.Groups[1].Value), double.Parse(keepAlive.Groups[2].Value));
        Assert.InRange(Math.Max(a, b), 55, 80); // two connections' worth against one
    }

    [Fact]
    public void The_broadcast_reached_every_worker_and_the_users_count_was_shared()
    {
        var broadcast = Output("team.Broadcast(new { hello");
        Assert.Contains("[worker 1] Message from primary: {\"hello\":\"every worker\"}", broadcast);
        Assert.Contains("[worker 2] Message from primary: {\"hello\":\"every worker\"}", broadcast);
        Assert.Matches(@"from worker 1: \{""pong"":1,""worker"":1,""pid"":\d+\}", broadcast);
        var users = Output("QueryUsersCount()");
        Assert.Contains("Users: 25", users);
        Assert.Contains("Users: 625", users);
        Assert.Equal(10, ExecutedNotebooks.PassedChecks(Output("Check.Equal(0, oneServer.Failed")));
    }
}
