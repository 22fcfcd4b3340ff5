using System.Text;
using System.Text.RegularExpressions;
using Workbook.Processes;
using Workbook.Testing;

namespace Workbook.Demo.Tests;

/// <summary>A row of the demo's plain-text worker table.</summary>
internal sealed record Row(string Place, int Id, int Pid, string State, string Rate, int Restarts);

/// <summary>One plain-text snapshot: the summary line ("2 workers serving; load on …") and the worker table.</summary>
internal sealed record Snapshot(string Summary, IReadOnlyList<Row> Rows)
{
    public int? Serving => Regex.Match(Summary, @"(\d+) workers? serving") is { Success: true } m ? int.Parse(m.Groups[1].Value) : null;

    /// <summary>The load's total rate, or null while the load is off or its first second is not done.</summary>
    public double? LoadRate => Regex.Match(Summary, @"load on \(\d+ clients\): ([\d,]+) req/s") is { Success: true } m
        ? double.Parse(m.Groups[1].Value.Replace(",", "")) : null;
}

/// <summary>
/// The built demo, run as an instructor's script would run it: stdin and stdout redirected (so it reads keys as
/// characters and prints plain snapshots). Output is gathered as it comes and parsed on demand.
/// </summary>
internal sealed class DemoRun : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly string Program = TestEnvironment.BuildMetadata(typeof(DemoRun).Assembly, "Demo");

    private static readonly Regex RowPattern = new(
        @"^\s*(?<place>\d+|-)\s+(?<id>\d+)\s+(?<pid>\d+)\s+(?<state>listening|starting|draining|exited \([^)]*\))\s+[\d.]+s\s+(?<rate>\d+|-)\s+(?<restarts>\d+)\s*$");

    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private DemoRun(params string[] args)
    {
        Process = ChildProcess.Spawn("dotnet", [Program, .. args]);
        Process.Stdout!.Data += d => { lock (_stdout) _stdout.Append(d); };
        Process.Stderr!.Data += d => { lock (_stderr) _stderr.Append(d); };
    }

    public ChildProcess Process { get; }

    public string Stdout
    {
        get { lock (_stdout) return _stdout.ToString(); }
    }

    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    public static DemoRun Start(params string[] args) => new(args);

    /// <summary>Starts the demo with a fast refresh and waits until its cluster is up.</summary>
    public static async Task<DemoRun> StartedAsync(params string[] args)
    {
        var run = Start(["--refresh", "200", "--max-seconds", "120", .. args]);
        await run.WaitForAsync("the cluster to start", r => r.Stdout.Contains("Cluster: http://127.0.0.1:"));
        return run;
    }

    public void Press(string keys) => Process.Stdin!.Write(keys + "\n");

    /// <summary>Every snapshot printed so far, in order.</summary>
    public IReadOnlyList<Snapshot> Snapshots()
    {
        var snapshots = new List<Snapshot>();
        string? summary = null;
        List<Row>? rows = null;
        foreach (var line in Stdout.Split('\n'))
        {
            if (line.StartsWith("--- "))
            {
                summary = line;
                rows = [];
                snapshots.Add(new Snapshot(summary, rows));
            }
            else if (rows is not null && RowPattern.Match(line) is { Success: true } m)
            {
                rows.Add(new Row(m.Groups["place"].Value, int.Parse(m.Groups["id"].Value), int.Parse(m.Groups["pid"].Value),
                    m.Groups["state"].Value, m.Groups["rate"].Value, int.Parse(m.Groups["restarts"].Value)));
            }
            else if (!line.TrimStart().StartsWith("place"))
            {
                rows = null; // the table ended
            }
        }
        // The last one may still be being written.
        return snapshots.Count > 1 ? snapshots[..^1] : [];
    }

    public Snapshot Latest => Snapshots() is { Count: > 0 } all ? all[^1] : new Snapshot("", []);

    /// <summary>Every pid the demo showed: its own, and every worker's.</summary>
    public IReadOnlySet<int> Pids()
    {
        var text = Stdout;
        var pids = Regex.Matches(text, @"\(pid (\d+)\)|PID: (\d+)|pids ([\d, ]+)")
            .SelectMany(m => m.Groups.Values.Skip(1).Where(g => g.Success).SelectMany(g => g.Value.Split(',', StringSplitOptions.TrimEntries)))
            .Select(int.Parse);
        return pids.Concat(Snapshots().SelectMany(s => s.Rows).Select(r => r.Pid)).ToHashSet();
    }

    /// <summary>Polls the output until <paramref name="condition"/> holds; fails with what the demo printed if it does not.</summary>
    public async Task WaitForAsync(string what, Func<DemoRun, bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? Timeout);
        while (!condition(this))
        {
            if (DateTime.UtcNow > deadline || Process.Exited.IsCompleted && !condition(this))
                Assert.Fail($"Waited for {what}; the demo printed:\n{Tail(Stdout)}\nstderr:\n{Stderr}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits for the exit (after the output closed) and returns its code.</summary>
    public async Task<int?> ExitCodeAsync()
    {
        var exit = await Process.Exited.WaitAsync(Timeout);
        await Process.Closed.WaitAsync(Timeout);
        return exit.Code;
    }

    /// <summary>Asserts that the demo and every worker it showed are gone.</summary>
    public async Task AssertNothingLeftRunningAsync()
    {
        foreach (var pid in Pids())
            Assert.True(await ProcessTree.GoneWithin(pid, TimeSpan.FromSeconds(5)), $"process {pid} outlived the demo");
        Assert.Empty(ProcessTree.LiveDescendants(Environment.ProcessId));
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private static string Tail(string text) => text.Length <= 6000 ? text : "…" + text[^6000..];
}
