using System.Text;
using System.Text.RegularExpressions;
using Workbook.Processes;

namespace Workbook.Notebooks;

/// <summary>
/// One of the notes' own Node programs (<c>examples/node</c>: <c>server.js</c>, <c>cluster.js</c>,
/// <c>cluster-restarts.js</c>), run by <c>node</c> as a process tree of its own so a chapter can put it under the same
/// load as ours. It listens on a free port of 127.0.0.1; it is stopped by its PIDs and cannot outlive the notebook
/// (a preload ends it when its stdin closes, which happens when the notebook's process goes, however it goes).
/// </summary>
public sealed partial class NodeProgram : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly StringBuilder _output = new();
    private readonly string _script;
    private readonly List<int> _started = [];

    private NodeProgram(string name, ChildProcess process, string script, int port)
    {
        Name = name;
        _process = process;
        _script = script;
        Port = port;
        Url = new Uri($"http://127.0.0.1:{port}/");
    }

    /// <summary>Where <c>node</c> is: the first folder on PATH that has it; null when it is not installed.</summary>
    public static string? Executable { get; } = Programs.Find("node");

    /// <summary>Whether <c>node</c> is on PATH: chapters run Node beside us when it is, and show recorded rows when not.</summary>
    public static bool IsAvailable => Executable is not null;

    /// <summary><c>node --version</c>, e.g. <c>v20.20.2</c>; "not installed" without Node.</summary>
    public static string Version => _version.Value;

    private static readonly Lazy<string> _version = new(() => Executable is null ? "not installed"
        : ChildProcess.ExecFileSync(Executable, ["--version"]).Trim());

    /// <summary>The folder of the notes' programs: <c>node/</c> beside this library (copied from <c>examples/node</c>).</summary>
    public static string Folder { get; } = Path.Combine(Path.GetDirectoryName(typeof(NodeProgram).Assembly.Location)!, "node");

    /// <summary>The program's file name, e.g. <c>cluster.js</c>.</summary>
    public string Name { get; }

    /// <summary>Where it listens: <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Url { get; }

    public int Port { get; }

    /// <summary>The process <c>node</c> runs the program in: the primary, for a cluster.</summary>
    public int Pid => _process.Pid ?? throw new InvalidOperationException($"{Name} has no process id.");

    /// <summary>Every process that printed <c>Started process PID</c> so far (the notes' line): the serving ones, restarted workers included.</summary>
    public IReadOnlyList<int> StartedPids
    {
        get { lock (_output) return [.. _started]; }
    }

    /// <summary>The processes that serve now: the single process, or the workers still running.</summary>
    public IReadOnlyList<int> ServingPids => StartedPids.Where(IsOurs).ToList();

    /// <summary>Every line the program printed so far.</summary>
    public string Output()
    {
        lock (_output) return _output.ToString();
    }

    /// <summary>How many lines of the output match <paramref name="pattern"/> (a regular expression).</summary>
    public int Count(string pattern) => Regex.Matches(Output(), pattern, RegexOptions.Multiline).Count;

    /// <summary>
    /// Waits until <paramref name="count"/> lines of the output match <paramref name="pattern"/> (e.g. the notes'
    /// <c>^Started process</c>), or <paramref name="timeout"/> has passed; true when they did.
    /// </summary>
    public async Task<bool> WaitForLinesAsync(string pattern, int count, TimeSpan timeout)
    {
        for (var deadline = DateTime.UtcNow + timeout; Count(pattern) < count; await Task.Delay(20).ConfigureAwait(false))
            if (DateTime.UtcNow >= deadline || !_process.IsRunning) return false;
        return true;
    }

    /// <summary>Each line of its output as it comes (e.g. <c>Worker 2 crashed. Starting a new worker...</c>).</summary>
    public event Action<string>? Line;

    /// <summary>
    /// The notes' <c>server.js</c>: one Node process, <paramref name="work"/> loop iterations per request (the notes: 1e7).
    /// </summary>
    public static Task<NodeProgram> ServerAsync(long work = 10_000_000) => StartAsync("server.js", [work.ToString()], processes: 1);

    /// <summary>
    /// The notes' <c>cluster.js</c> with <paramref name="workers"/> workers running <c>server.js</c>; with
    /// <paramref name="notesRestartCode"/>, <c>cluster-restarts.js</c>: the same plus the notes' <c>exit</c> handler
    /// (a crashed worker is replaced) and <c>SIGUSR2</c> handler (the workers are restarted one at a time).
    /// <paramref name="crashAfterMaxMs"/> &gt; 0: the notes' "death by random timeout" in every worker.
    /// </summary>
    public static Task<NodeProgram> ClusterAsync(int workers, long work = 10_000_000, bool notesRestartCode = false, int crashAfterMaxMs = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(crashAfterMaxMs);
        var env = crashAfterMaxMs > 0 ? new Dictionary<string, string> { ["CRASH_AFTER_MAX_MS"] = crashAfterMaxMs.ToString() } : null;
        return StartAsync(notesRestartCode ? "cluster-restarts.js" : "cluster.js", [work.ToString(), workers.ToString()], workers, env);
    }

    /// <summary>
    /// Runs <c>node PROGRAM PORT ARGS…</c> (the notes' programs take the port first) on a free port and returns once
    /// <paramref name="processes"/> of its processes have printed <c>Started process PID</c>. A program that exits
    /// first, or is not listening within <paramref name="timeout"/> (default 30 s), is stopped and reported.
    /// </summary>
    /// <exception cref="InvalidOperationException"><c>node</c> is not on PATH, or the program exited before it listened.</exception>
    /// <exception cref="FileNotFoundException">There is no such program in <see cref="Folder"/>.</exception>
    /// <exception cref="TimeoutException">It did not listen in time (it was stopped).</exception>
    public static async Task<NodeProgram> StartAsync(string program, IEnumerable<string> args, int processes,
        IReadOnlyDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        if (Executable is null)
            throw new InvalidOperationException("node is not on PATH: install Node.js (the devcontainer has it) to run the notes' programs beside ours.");
        var script = Path.Combine(Folder, program);
        if (!File.Exists(script))
            throw new FileNotFoundException($"No Node program '{program}' in {Folder}; there are: " +
                string.Join(", ", Directory.Exists(Folder) ? Directory.GetFiles(Folder, "*.js").Select(Path.GetFileName) : []) + ".", script);
        var port = Programs.FreePort();
        var environment = SpawnOptions.EnvWith(env ?? new Dictionary<string, string>());
        var child = ChildProcess.Spawn(Executable, ["-r", Path.Combine(Folder, "parent-guard.js"), script, port.ToString(), .. args],
            new SpawnOptions { Env = environment, Cwd = Folder });
        var node = new NodeProgram(program, child, script, port);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = new StringBuilder();
        child.Stdout!.Data += text => node.Take(text, pending, processes, listening);
        child.Stderr!.Data += text => { lock (node._output) node._output.Append(text); };
        var wait = timeout ?? TimeSpan.FromSeconds(30);
        var done = await Task.WhenAny(listening.Task, child.Exited, Task.Delay(wait)).ConfigureAwait(false);
        if (done == listening.Task) return node;
        await node.StopAsync().ConfigureAwait(false);
        if (done == child.Exited)
            throw new InvalidOperationException($"{program} exited ({await child.Exited.ConfigureAwait(false)}) before it listened:\n{node.Output()}");
        throw new TimeoutException($"{program} did not listen within {wait.TotalSeconds:0} s; it was stopped. Its output:\n{node.Output()}");
    }

    private void Take(string text, StringBuilder pending, int processes, TaskCompletionSource listening)
    {
        var lines = new List<string>();
        lock (_output)
        {
            _output.Append(text);
            pending.Append(text);
            var all = pending.ToString();
            var end = all.LastIndexOf('\n');
            if (end < 0) return;
            lines.AddRange(all[..end].Split('\n').Select(l => l.TrimEnd('\r')));
            pending.Remove(0, end + 1);
            foreach (var line in lines)
                if (StartedLine().Match(line) is { Success: true } m) _started.Add(int.Parse(m.Groups[1].Value));
            if (_started.Count >= processes) listening.TrySetResult();
        }
        foreach (var line in lines) Line?.Invoke(line);
    }

    /// <summary>Sends a signal to the program's main process, e.g. <c>SIGUSR2</c> to the notes' primary.</summary>
    public void Signal(string signal) => _process.Kill(signal);

    /// <summary>
    /// Stops it: SIGTERM to the main process (the notes' primary then stops its workers), SIGKILL after
    /// <paramref name="grace"/> (default 5 s); then any of its processes still running is killed by PID.
    /// </summary>
    public async Task<ChildExit> StopAsync(TimeSpan? grace = null)
    {
        if (_process.IsRunning) _process.Kill("SIGTERM");
        if (await Task.WhenAny(_process.Exited, Task.Delay(grace ?? TimeSpan.FromSeconds(5))).ConfigureAwait(false) != _process.Exited)
            _process.Kill("SIGKILL");
        var exit = await _process.Exited.ConfigureAwait(false);
        _process.Stdin?.End(); // the guard in any worker left ends it too
        for (var deadline = DateTime.UtcNow.AddSeconds(2); StartedPids.Any(IsOurs) && DateTime.UtcNow < deadline;)
            await Task.Delay(50).ConfigureAwait(false);
        foreach (var pid in StartedPids.Where(IsOurs)) ProcessInfo.KillQuietly(pid);
        return exit;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <inheritdoc />
    public override string ToString() => $"node {Name} (pid {_process.Pid}) at {Url}";

    /// <summary>Whether PID runs this program still (a PID that ended may have been given to another process since).</summary>
    private bool IsOurs(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Contains(_script, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^Started process (\d+)")]
    private static partial Regex StartedLine();
}
