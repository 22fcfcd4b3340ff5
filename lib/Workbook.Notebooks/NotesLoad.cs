using Workbook.LoadTesting;

namespace Workbook.Notebooks;

/// <summary>
/// The notes' load, <c>ab -c200 -t10</c>: 200 clients, each opening a new connection for every request, for 10 s;
/// responses counted per worker (<c>X-Worker-Pid</c>). And a measurement the notes' way: a warm-up first, not
/// counted, then the run, with the server processes' CPU time read around it.
/// </summary>
public static class NotesLoad
{
    /// <summary>ab's <c>-c200</c>.</summary>
    public const int Clients = 200;

    /// <summary>ab's <c>-t10</c>.</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(10);

    /// <summary>Before a measured run: the JIT compiles the hot code, thread pools and caches grow, connections are set up.</summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(2);

    /// <summary>The notes' load against <paramref name="url"/>: 200 clients for <paramref name="duration"/> (default 10 s).</summary>
    public static LoadTest Test(Uri url, string label, TimeSpan? duration = null, ConnectionMode connection = ConnectionMode.NewPerRequest) => new()
    {
        Label = label,
        Url = url,
        Load = [Load.KeepConstant(Clients, duration ?? Duration)],
        Connection = connection,
        AttributeBy = "X-Worker-Pid",
    };

    /// <summary>
    /// Warms the server up for <see cref="WarmUp"/> (not counted), then runs the notes' load with live progress while
    /// measuring the CPU time of <paramref name="serverPids"/> (the processes that serve).
    /// </summary>
    public static async Task<ServerRun> MeasureAsync(Uri url, string label, IEnumerable<int> serverPids)
    {
        var pids = serverPids.ToList();
        if (pids.Count == 0) throw new ArgumentException("Name the server's processes: their CPU time is measured.", nameof(serverPids));
        var warmUp = await LoadRunner.RunAsync(Test(url, label + " (warm-up)", WarmUp)).ConfigureAwait(false);
        var before = ProcessCpu.Sample(pids);
        var result = await LoadRunner.Start(Test(url, label)).ShowProgressAsync().ConfigureAwait(false);
        return new ServerRun(label, result, warmUp.Ok, ProcessCpu.Since(before), pids.Count);
    }
}
