using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Workbook.LoadTesting;

namespace Workbook.Benchmarks;

/// <summary>
/// The soak: <c>dotnet cluster start</c> of examples/NotesWeb with 2 workers (a daemon of its own), under steady load
/// on 127.0.0.1 for <c>minutes</c>: a worker killed (SIGKILL) about every 2 s — the daemon replaces it — and a
/// <c>dotnet cluster reload</c> every 30 s; the daemon's resident memory and open descriptors sampled every 10 s.
/// Targets: no failed request on reloads (the rule: <see cref="SoakAttribution"/>); memory and descriptors within
/// 10 % from minute 2 to the end. Writes soak.csv (a row per sample) and soak.md (the summary). Everything it
/// started is ended, also on Ctrl+C, SIGTERM or a failure.
/// </summary>
public static class SoakBenchmark
{
    /// <summary>A 1e6 loop per request: the soak is about the daemon, so the workers' CPU is kept modest on a shared machine.</summary>
    private const long Work = 1_000_000;
    private const int RatePerLoad = 100;
    private static readonly TimeSpan CrashEvery = TimeSpan.FromSeconds(2), ReloadEvery = TimeSpan.FromSeconds(30), SampleEvery = TimeSpan.FromSeconds(10);

    /// <summary>The oldest worker is killed only once it has run this long: past the restart policy's minimum uptime, listening.</summary>
    private static readonly TimeSpan VictimAge = TimeSpan.FromSeconds(3);

    private sealed record Sample(double ElapsedS, long RssKb, long AnonKb, long FileKb, int Fds, int Pipes, int Sockets, int Workers, long Requests, long Failed, int Crashes, int Reloads, string LoadAverage);

    public static async Task<int> RunAsync(int minutes, string outDir, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConsoleCancelEventHandler onCtrlC = (_, e) => { e.Cancel = true; stop.Cancel(); };
        Console.CancelKeyPress += onCtrlC;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        var duration = TimeSpan.FromMinutes(minutes);
        var machine = Machine.Current(await ClusterBenchmark.NodeVersionAsync());
        var loadBefore = Machine.LoadAverage();
        Console.WriteLine($"soak: {machine}; {minutes} min; load average {loadBefore}");
        var samples = new List<Sample>();
        var events = new SoakAttribution();
        var results = new List<LoadResult>();
        var home = new ClusterToolHome();
        var runs = new List<LoadRun>();
        try
        {
            var port = RunningServer.FreePort();
            await home.StartAsync("soak", 2, port, Work);
            Console.WriteLine($"  started: daemon {home.DaemonPid}, workers {string.Join(", ", home.Workers().Select(w => w.Pid))}, http://127.0.0.1:{port}/");
            var clock = Stopwatch.StartNew();
            foreach (var mode in new[] { ConnectionMode.KeepAlive, ConnectionMode.NewPerRequest })
                runs.Add(LoadRunner.Start(new LoadTest
                {
                    Url = new Uri($"http://127.0.0.1:{port}/"), Label = mode.ToString(), Connection = mode,
                    Load = [Load.Inject(RatePerLoad, TimeSpan.FromSeconds(1), duration)],
                }, stop.Token));
            var loops = new[]
            {
                ReloadsAsync(home, events, clock, duration, stop.Token),
                CrashesAsync(home, events, clock, duration, stop.Token),
                SamplesAsync(home, events, runs, samples, clock, duration, stop.Token),
            };
            try
            {
                await Task.WhenAll(loops);
            }
            catch (Exception)
            {
                stop.Cancel(); // one loop failed: the others and the load stop too
                throw;
            }
            foreach (var run in runs) results.Add(await run.Completion);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.WriteLine("soak: stopped early (Ctrl+C or SIGTERM); what was sampled so far is written");
        }
        finally
        {
            stop.Cancel();
            foreach (var run in runs)
            {
                try { await run.Completion.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None); }
                catch (Exception e) when (e is OperationCanceledException or TimeoutException) { }
            }
            await home.DisposeAsync();
            Console.CancelKeyPress -= onCtrlC;
            if (samples.Count > 0) Write(outDir, machine, minutes, samples, events, results, loadBefore);
        }
        return 0;
    }

    private static async Task ReloadsAsync(ClusterToolHome home, SoakAttribution events, Stopwatch clock, TimeSpan duration, CancellationToken token)
    {
        for (var due = ReloadEvery; due < duration; due += ReloadEvery)
        {
            await Until(clock, due, token);
            var from = clock.Elapsed;
            await home.ReloadAsync("soak");
            events.Reloaded(from, clock.Elapsed);
            Console.WriteLine($"  {clock.Elapsed.TotalSeconds,6:0} s: reload {events.Reloads} took {(clock.Elapsed - from).TotalSeconds:0.0} s");
        }
    }

    /// <summary>About every 2 s the oldest worker, once it has run 3 s; none from 4 s before a reload is due until 3.5 s after it returned.</summary>
    private static async Task CrashesAsync(ClusterToolHome home, SoakAttribution events, Stopwatch clock, TimeSpan duration, CancellationToken token)
    {
        var next = CrashEvery;
        while (clock.Elapsed < duration - CrashEvery)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), token);
            var now = clock.Elapsed;
            var nextReload = TimeSpan.FromTicks((now.Ticks / ReloadEvery.Ticks + 1) * ReloadEvery.Ticks);
            var sinceReload = TimeSpan.FromTicks(now.Ticks % ReloadEvery.Ticks);
            // A reload runs from its due time until it returns: it is running while fewer reloads are done than are due.
            var reloadRunning = events.Reloads < (int)(now.Ticks / ReloadEvery.Ticks);
            if (now < next || reloadRunning || nextReload - now < SoakAttribution.BeforeReload) continue;
            if (events.Reloads > 0 && sinceReload < SoakAttribution.AfterReload + SoakAttribution.KillsResume + LastReloadLength(events)) continue;
            var victim = home.Workers().Where(w => w.Age >= VictimAge).OrderByDescending(w => w.Age).FirstOrDefault();
            if (victim.Pid == 0) continue;
            try
            {
                Process.GetProcessById(victim.Pid).Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                continue; // it ended meanwhile
            }
            events.Crashed(now);
            next = now + CrashEvery;
        }
    }

    /// <summary>How long the last reload took: a reload window ends that long after its due time (plus the grace).</summary>
    private static TimeSpan LastReloadLength(SoakAttribution events) => TimeSpan.FromSeconds(events.ReloadSeconds().LastOrDefault());

    private static async Task SamplesAsync(ClusterToolHome home, SoakAttribution events, List<LoadRun> runs, List<Sample> samples, Stopwatch clock,
        TimeSpan duration, CancellationToken token)
    {
        for (var due = TimeSpan.Zero; due <= duration; due += SampleEvery)
        {
            await Until(clock, due, token);
            var (rss, anon, file, fds, pipes, sockets) = home.DaemonFootprint();
            var progress = runs.Select(r => r.Progress).ToList();
            var sample = new Sample(Math.Round(clock.Elapsed.TotalSeconds, 1), rss, anon, file, fds, pipes, sockets, home.Workers().Count, progress.Sum(p => p.Requests),
                progress.Sum(p => p.Failed), events.Crashes, events.Reloads, Machine.LoadAverage().Split(' ')[0]);
            lock (samples) samples.Add(sample);
            Console.WriteLine($"  {sample.ElapsedS,6:0} s: daemon {rss / 1024.0,6:0.0} MiB, {fds} fds ({pipes} pipes, {sockets} sockets); {sample.Workers} workers; {sample.Requests:N0} requests, " +
                              $"{sample.Failed} failed; {sample.Crashes} crashes, {sample.Reloads} reloads; load {sample.LoadAverage}");
        }
    }

    private static async Task Until(Stopwatch clock, TimeSpan at, CancellationToken token)
    {
        if (at > clock.Elapsed) await Task.Delay(at - clock.Elapsed, token);
    }

    private static void Write(string outDir, Machine machine, int minutes, List<Sample> samples, SoakAttribution events, List<LoadResult> results, string loadBefore)
    {
        var table = new CsvTable("soak", "elapsed_s", "daemon_rss_kib", "daemon_rss_anon_kib", "daemon_rss_file_kib", "daemon_fds", "daemon_pipes", "daemon_sockets", "workers", "requests", "failed", "crashes", "reloads", "load_average_1min");
        foreach (var s in samples)
            table.Add("sample every 10 s", "dotnet cluster daemon", s.ElapsedS, s.RssKb, s.AnonKb, s.FileKb, s.Fds, s.Pipes, s.Sockets, s.Workers, s.Requests, s.Failed, s.Crashes, s.Reloads, s.LoadAverage);
        Console.WriteLine($"wrote {table.Write(outDir, machine, 1, minutes * 60)} ({table.Count} rows)");

        var md = new StringBuilder();
        md.AppendLine($"Soak — {machine}");
        md.AppendLine($"`soak --minutes {minutes}`: examples/NotesWeb (1e6 loop per request) under `dotnet cluster start -i 2`, {RatePerLoad} req/s keep-alive + " +
                      $"{RatePerLoad} req/s new connection per request (our load runner, 127.0.0.1); a worker SIGKILLed about every {CrashEvery.TotalSeconds:0} s, " +
                      $"a `dotnet cluster reload` every {ReloadEvery.TotalSeconds:0} s. Load average before {loadBefore}, after {Machine.LoadAverage()}.");
        md.AppendLine();
        if (results.Count == 2) // both load runs ended on their own
        {
            var (onReloads, onCrashes, other, reloadSeconds) = events.Attribute(results);
            md.AppendLine($"- requests: {results.Sum(r => r.Requests):N0}; failed: {results.Sum(r => r.Failed):N0} " +
                          $"({string.Join("; ", results.Select(r => $"{r.Label}: {r.DescribeFailures("none")}"))})");
            md.AppendLine($"- **failed on reloads: {onReloads}** (target 0); on crashes: {onCrashes}; unattributed: {other}");
            md.AppendLine($"- on reloads, by load: {string.Join("; ", results.Select(r => $"{r.Label} {events.Attribute([r]).OnReloads}"))}");
            if (reloadSeconds.Count > 0) md.AppendLine($"- the seconds of the failures on reloads (failed): {string.Join(", ", reloadSeconds)}");
        }
        else md.AppendLine("- the load runs did not complete (stopped early): failures are not attributed");
        var took = events.ReloadSeconds();
        md.AppendLine($"- {events.Crashes} crashes (SIGKILL), {events.Reloads} reloads" +
                      (took.Count > 0 ? $" (each took {Stats.Median(took):0.0} s median, {took.Max():0.0} s at most)" : ""));
        var steady = samples.Where(s => s.ElapsedS >= 120).ToList();
        if (steady.Count >= 2)
        {
            foreach (var (name, value) in new (string, Func<Sample, double>)[]
                     {
                         ("resident memory (KiB)", s => s.RssKb), ("  of it anonymous (KiB)", s => s.AnonKb), ("  of it mapped files (KiB)", s => s.FileKb),
                         ("open descriptors", s => s.Fds),
                     })
            {
                double first = value(steady[0]), last = value(steady[^1]), deviation = steady.Max(s => Math.Abs(value(s) - first)) / first * 100;
                md.AppendLine($"- daemon {name}: {first:0} at {steady[0].ElapsedS:0} s, {last:0} at {steady[^1].ElapsedS:0} s " +
                              $"(min {steady.Min(value):0}, max {steady.Max(value):0}); **largest deviation from minute 2: {deviation:0.0} %** (target within 10 %)");
            }
        }
        else md.AppendLine("- fewer than two samples from minute 2 on: no steady-state figures");
        md.AppendLine();
        md.AppendLine(SoakAttributionRule);
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "soak.md"), md.ToString());
        Console.WriteLine();
        Console.WriteLine(md);
    }

    private const string SoakAttributionRule = "Attribution (by the second a request failed in, on the soak's clock): a second overlapping a reload — the " +
        "`reload` command's start to 2 s after it returned — counts for reloads, also if it overlaps a crash too; else a second overlapping " +
        "the 3 s after a kill counts for crashes; else unattributed. No worker is killed from 4 s before a reload until 3.5 s after it returned " +
        "(a second and a half after its window, so that a kill's failures never share a second with the window).";
}
