using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Workbook.Processes;

namespace Workbook.Notebooks;

/// <summary>
/// The notes' own <c>cluster.js</c> (tools/Workbook.Benchmarks/node) run by <c>node</c> beside ours: started on a free
/// port, ready once every worker has printed <c>Started process</c>, stopped (SIGTERM, then SIGKILL) on dispose.
/// </summary>
public sealed partial class NodeCluster : IAsyncDisposable
{
    private NodeCluster(ChildProcess process, Uri url, int workers) => (Process, Url, Workers) = (process, url, workers);

    /// <summary>The <c>node</c> process running the primary.</summary>
    public ChildProcess Process { get; }

    /// <summary>Where it listens: <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Url { get; }

    /// <summary>How many workers it forked.</summary>
    public int Workers { get; }

    /// <summary>Whether <c>node</c> is a file in a folder on PATH.</summary>
    public static bool IsInstalled =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "node")));

    /// <summary>
    /// Runs <c>node <paramref name="script"/> PORT <paramref name="work"/> <paramref name="workers"/></c> (the notes'
    /// cluster.js takes the port, the loop count per request and the number of workers) and waits until every worker
    /// listens. A cluster that exits first or is not ready in time is stopped and reported.
    /// </summary>
    public static async Task<NodeCluster> StartAsync(string script, int workers = 2, long work = 0, TimeSpan? timeout = null)
    {
        if (!IsInstalled) throw new InvalidOperationException("node is not on PATH.");
        if (!File.Exists(script)) throw new FileNotFoundException($"No Node program at {Path.GetFullPath(script)}.", script);
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var process = ChildProcess.Spawn("node", [script, port.ToString(), work.ToString(), workers.ToString()]);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var printed = new System.Text.StringBuilder();
        process.Stdout!.Data += text =>
        {
            lock (printed)
                if (StartedLine().Matches(printed.Append(text).ToString()).Count >= workers) ready.TrySetResult();
        };
        var cluster = new NodeCluster(process, new Uri($"http://127.0.0.1:{port}/"), workers);
        var wait = timeout ?? TimeSpan.FromSeconds(15);
        var done = await Task.WhenAny(ready.Task, process.Exited, Task.Delay(wait)).ConfigureAwait(false);
        if (done == ready.Task) return cluster;
        await cluster.DisposeAsync().ConfigureAwait(false);
        throw new InvalidOperationException(done == process.Exited
            ? $"node {script} exited ({await process.Exited.ConfigureAwait(false)}) before its workers listened: {printed}"
            : $"node {script}: its {workers} workers did not all listen within {wait.TotalSeconds:0} s; it was stopped. It printed: {printed}");
    }

    /// <summary>SIGTERM (cluster.js stops its workers, then itself); SIGKILL if it is still there after 10 s (its workers then exit as their channel closes).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Process.IsRunning) Process.Kill("SIGTERM");
        if (await Task.WhenAny(Process.Exited, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false) != Process.Exited) Process.Kill("SIGKILL");
        await Process.DisposeAsync().ConfigureAwait(false);
    }

    [GeneratedRegex("Started process")]
    private static partial Regex StartedLine();
}
