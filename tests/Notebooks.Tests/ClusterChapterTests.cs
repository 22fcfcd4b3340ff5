using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>What chapter 04 must show, read from its executed outputs (by cell id).</summary>
[Collection(NotebookRun.Name)]
public class ClusterChapterTests(ExecutedNotebooks run)
{
    private string Cell(string id) => run.CellOutput("04-cluster", id);

    private bool NodeRan => !Cell("9e51a7f3").Contains("node is not on the PATH");

    [Fact]
    public void The_same_program_is_primary_or_worker_as_its_source_shows()
    {
        var output = Cell("7b52d9e4");
        Assert.Contains("if (Cluster.IsPrimary && !options.NoCluster) return await Primary.RunAsync(options, args);", output);
        Assert.Contains("this notebook: Cluster.IsPrimary = True, Cluster.IsWorker = False", output);
    }

    [Fact]
    public void One_process_and_the_cluster_were_measured_the_notes_way_with_their_cpu()
    {
        const string measured = @": [\d,]+ req/s, p99 [\d,.]+ ms, 0 failed(, [\d,]+ unfinished)?; CPU [\d.]+ ms per request, [\d.]+ cores' worth";
        Assert.Matches("one Kestrel process" + measured + @", its busiest thread \d+% of it \(warm-up before: [\d,]+ answered, not counted\)", Cell("d00b014c"));
        var cluster = Cell("e136552a");
        foreach (var id in Enumerable.Range(1, Environment.ProcessorCount))
        {
            Assert.Matches($@"\[cluster\] worker {id} forked \(pid \d+\)", cluster);
            Assert.Matches($@"\[cluster\] worker {id} \(pid \d+\) listening on port \d+", cluster);
        }
        Assert.Matches($"Kestrel cluster of {Environment.ProcessorCount}" + measured + $" over {Environment.ProcessorCount} processes", cluster);
        if (NodeRan)
        {
            Assert.Matches("one Node process" + measured + @", its busiest thread \d+% of it", Cell("9e51a7f3"));
            Assert.Matches($"Node cluster of {Environment.ProcessorCount}" + measured, Cell("2f6b0d84"));
        }
    }

    [Fact]
    public void The_verdicts_are_computed_from_cores_cpu_and_threads_beside_the_notes()
    {
        var verdicts = Cell("17625212");
        Assert.Contains($"this machine: {Environment.ProcessorCount} cores", verdicts);
        Assert.Contains("the notes, 8 cores: one Node process 51 req/s, a cluster of 8 181 req/s (×3.5)", verdicts);
        Assert.Matches(@"Kestrel: one Kestrel process spread its CPU work over \d+ threads \(the busiest did \d+%\)", verdicts);
        Assert.Matches(@"measured: cluster ÷ one process = \d+\.\d\d — ((more|less|about the same), (as predicted|against the prediction: .+)|more than the cores explain .+)\.", verdicts);
        if (NodeRan) Assert.Matches(@"Node: one Node process did \d+% of its CPU work on one thread, so it can use 1 of the \d+ cores", verdicts);
        else Assert.Contains("Node, recorded (", Cell("6d0c3a95"));
        Assert.Contains("data:image/png;base64,", Cell("6d0c3a95"));
    }

    [Fact]
    public void Round_robin_was_exact_and_keep_alive_balanced_per_connection()
    {
        var shares = Cell("5d7a2c19");
        Assert.Matches(@"RoundRobin, NewPerRequest: [\d,]+ requests, shares 50\.0% / 50\.0%", shares);
        Assert.Matches(@"ReusePort, NewPerRequest: [\d,]+ requests, shares", shares);
        Assert.Matches(@"Shared, NewPerRequest: [\d,]+ requests, shares", shares);
        if (NodeRan) Assert.Matches(@"Node's round-robin, NewPerRequest: [\d,]+ requests, shares [\d.]+% / [\d.]+%", shares);
        // The round-robin run's count against each of the others, with a verdict that follows the counts.
        double Requests(string policy) => double.Parse(Regex.Match(shares, $@"{policy}, NewPerRequest: ([\d,]+) requests").Groups[1].Value.Replace(",", ""));
        var (rr, reusePort, shared) = (Requests("RoundRobin"), Requests("ReusePort"), Requests("Shared"));
        var said = Regex.Match(shares, @"round-robin ÷ reuse-port: ([\d.]+), ÷ shared: ([\d.]+), in the same 2 s — (.*)");
        Assert.True(said.Success, shares);
        Assert.Equal(Math.Round(rr / reusePort, 2), double.Parse(said.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 2);
        Assert.Equal(Math.Round(rr / shared, 2), double.Parse(said.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), 2);
        Assert.Equal(rr < 0.95 * Math.Min(reusePort, shared), said.Groups[3].Value.StartsWith("fewer than both"));
        var keepAlive = Regex.Match(Cell("48977f75"), @"worker \d+ ([\d.]+)%, worker \d+ ([\d.]+)%");
        var (a, b) = (double.Parse(keepAlive.Groups[1].Value), double.Parse(keepAlive.Groups[2].Value));
        Assert.InRange(Math.Max(a, b), 55, 80); // two connections' worth against one
    }

    [Fact]
    public void The_broadcast_reached_every_worker_and_the_users_count_was_shared()
    {
        var broadcast = Cell("7cf9c5a6");
        Assert.Contains("[worker 1] Message from primary: {\"hello\":\"every worker\"}", broadcast);
        Assert.Contains("[worker 2] Message from primary: {\"hello\":\"every worker\"}", broadcast);
        Assert.Matches(@"from worker 1: \{""pong"":1,""worker"":1,""pid"":\d+\}", broadcast);
        var users = Cell("9a3f6e55");
        Assert.Contains("Users: 25", users);
        Assert.Contains("Users: 625", users);
    }

    [Fact]
    public void Every_check_passed()
    {
        var checks = Cell("8f9236ba");
        ExecutedNotebooks.AllChecksPassed(checks, NodeRan ? 12 : 9);
    }
}
