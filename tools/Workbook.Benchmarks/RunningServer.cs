using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Workbook.Processes;
using static Workbook.Benchmarks.ClusterBenchmark;

namespace Workbook.Benchmarks;

/// <summary>A server under test, started as its own process tree; stopped with SIGTERM, then killed.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly StringBuilder _output;
    private readonly string _program;

    private RunningServer(ChildProcess process, Uri url, List<int> workers, StringBuilder output, string program)
    {
        _program = program;
        _process = process;
        Url = url;
        Workers = workers;
        _output = output;
    }

    /// <summary>Everything the server printed so far.</summary>
    public string Output()
    {
        lock (_output) return _output.ToString();
    }

    /// <summary>Every "Started process N" so far, restarted workers included.</summary>
    public List<int> StartedPids() => Regex.Matches(Output(), @"Started process (\d+)").Select(m => int.Parse(m.Groups[1].Value)).ToList();

    public int Count(string pattern) => Regex.Matches(Output(), pattern).Count;

    /// <summary>Sends a signal to the server's main process (the primary).</summary>
    public void Signal(string signal) => _process.Kill(signal);

    public Uri Url { get; }
    public int Pid => _process.Pid!.Value;

    /// <summary>The processes that serve: the workers, or the single process itself.</summary>
    public List<int> Workers { get; }

    public static async Task<RunningServer> StartAsync(ServerKind kind)
    {
        var port = FreePort();
        var env = SpawnOptions.EnvWith(kind.Env);
        var process = ChildProcess.Spawn(kind.File, kind.Args(port), new SpawnOptions { Env = env });
        var started = new List<int>();
        var ready = new TaskCompletionSource();
        var output = new StringBuilder();
        process.Stdout!.Data += text =>
        {
            lock (output)
            {
                output.Append(text);
                started = Regex.Matches(output.ToString(), @"Started process (\d+)").Select(m => int.Parse(m.Groups[1].Value)).ToList();
                if (started.Count >= kind.Processes) ready.TrySetResult();
            }
        };
        if (await Task.WhenAny(ready.Task, process.Exited, Task.Delay(TimeSpan.FromSeconds(30))) != ready.Task)
        {
            await process.DisposeAsync();
            throw new InvalidOperationException($"{kind.Name} did not start: {output}");
        }
        lock (output) return new RunningServer(process, new Uri($"http://127.0.0.1:{port}/"), started, output, kind.Args(port)[0]);
    }

    /// <summary>User and system CPU time of the whole tree, in clock ticks (1/100 s).</summary>
    public long CpuTicks() => new[] { Pid }.Concat(Workers).Distinct().Sum(CpuTicksOf);

    private static long CpuTicksOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11]) + long.Parse(fields[12]); // utime, stime
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill("SIGTERM");
        if (await Task.WhenAny(_process.Exited, Task.Delay(TimeSpan.FromSeconds(15))) != _process.Exited) _process.Kill("SIGKILL");
        await _process.DisposeAsync();
        // Stragglers only: a PID that ended may have been given to another process since, so check what runs there.
        foreach (var worker in StartedPids().Where(w => CommandLine(w).Contains(_program)))
            try { Process.GetProcessById(worker).Kill(); } catch (ArgumentException) { }
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
