using System.Net.Http;
using Workbook.Processes;

namespace Workbook.Notebooks.Tests;

/// <summary>The notes' Node programs, started and stopped for a chapter (node is on the PATH here and in CI).</summary>
public class NodeProgramTests
{
    [Fact]
    public async Task Server_js_listens_on_a_free_port_answers_and_is_stopped_by_its_pid()
    {
        Assert.True(NodeProgram.IsAvailable, "node is not on the PATH");
        var node = await NodeProgram.ServerAsync(work: 0);
        try
        {
            using var http = new HttpClient();
            var answer = await http.GetStringAsync(node.Url);
            Assert.Equal($"Handled by process {node.Pid}\n", answer);
            Assert.Equal([node.Pid], node.StartedPids);
            Assert.StartsWith("v", NodeProgram.Version);
        }
        finally
        {
            await node.StopAsync();
        }
        Assert.False(Directory.Exists($"/proc/{node.Pid}") && File.ReadAllText($"/proc/{node.Pid}/cmdline").Contains("server.js"));
    }

    [Fact]
    public async Task A_cluster_is_ready_when_every_worker_listens_and_its_workers_go_with_it()
    {
        var node = await NodeProgram.ClusterAsync(2, work: 0);
        IReadOnlyList<int> workers;
        try
        {
            workers = node.StartedPids;
            Assert.Equal(2, workers.Count);
            Assert.DoesNotContain(node.Pid, workers);
            Assert.Equal(workers.Order(), node.ServingPids.Order());
            Assert.Contains($"Primary PID: {node.Pid}", node.Output());
        }
        finally
        {
            await node.StopAsync();
        }
        Assert.Empty(node.ServingPids);
    }

    [Fact]
    public async Task The_notes_restart_code_replaces_the_workers_on_SIGUSR2()
    {
        var node = await NodeProgram.ClusterAsync(2, work: 0, notesRestartCode: true);
        try
        {
            node.Signal("SIGUSR2");
            Assert.True(await node.WaitForLinesAsync("^Started process", 4, TimeSpan.FromSeconds(20)), node.Output());
            Assert.Equal(2, node.Count("^Exited process"));
            Assert.Equal(2, node.ServingPids.Count);
        }
        finally
        {
            await node.StopAsync();
        }
    }

    [Fact]
    public async Task A_program_ends_when_its_parent_closes_its_stdin_workers_too()
    {
        // What happens when a notebook's kernel dies without stopping it: the guard preloaded into every process.
        var child = ChildProcess.Spawn(NodeProgram.Executable!, ["-r", Path.Combine(NodeProgram.Folder, "parent-guard.js"),
            Path.Combine(NodeProgram.Folder, "cluster.js"), "0", "0", "2"], new SpawnOptions { Cwd = NodeProgram.Folder });
        var output = new System.Text.StringBuilder();
        child.Stdout!.Data += text => { lock (output) output.Append(text); };
        for (var deadline = DateTime.UtcNow.AddSeconds(20); Started(output).Count < 2 && DateTime.UtcNow < deadline;) await Task.Delay(20);
        var workers = Started(output);
        Assert.Equal(2, workers.Count);

        child.Stdin!.End();

        var exit = await child.Exited.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new ChildExit(0, null), exit);
        for (var deadline = DateTime.UtcNow.AddSeconds(5); workers.Any(Running) && DateTime.UtcNow < deadline;) await Task.Delay(20);
        Assert.DoesNotContain(workers, Running);
    }

    [Fact]
    public async Task Unknown_programs_and_programs_that_exit_before_listening_are_clear_errors()
    {
        var missing = await Assert.ThrowsAsync<FileNotFoundException>(() => NodeProgram.StartAsync("nope.js", [], processes: 1));
        Assert.Contains("No Node program 'nope.js'", missing.Message);
        Assert.Contains("server.js", missing.Message);

        var early = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            NodeProgram.StartAsync("server.js", ["0"], processes: 1, env: new Dictionary<string, string> { ["NODE_OPTIONS"] = "--no-such-flag" }));
        Assert.Contains("server.js exited", early.Message);
        Assert.Contains("before it listened", early.Message);
    }

    private static List<int> Started(System.Text.StringBuilder output)
    {
        lock (output)
            return System.Text.RegularExpressions.Regex.Matches(output.ToString(), @"Started process (\d+)").Select(m => int.Parse(m.Groups[1].Value)).ToList();
    }

    private static bool Running(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Contains("cluster.js"); }
        catch (IOException) { return false; }
    }
}
