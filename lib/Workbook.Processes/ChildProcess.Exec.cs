using System.Text;

namespace Workbook.Processes;

// The buffered family is built on Spawn rather than CliWrap: CliWrap (System.Diagnostics.Process) reports a
// signal death as exit code 128+n and has no output limit; Node's semantics need both.
public sealed partial class ChildProcess
{
    private static readonly TimeSpan KillEscalation = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Node's <c>exec</c>: runs <paramref name="command"/> through <c>/bin/sh -c</c> (so pipes and <c>$VARS</c>
    /// work), buffers its output and returns it when it exits with 0.
    /// </summary>
    /// <exception cref="ExecException">Non-zero exit, a signal, <see cref="ExecOptions.Timeout"/> or <see cref="ExecOptions.MaxBuffer"/>.</exception>
    /// <exception cref="OperationCanceledException">Cancelled: the child was ended first.</exception>
    public static async Task<ExecResult> ExecAsync(string command, ExecOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ExecOptions();
        var shell = options.Shell.Enabled ? options.Shell : new ShellOption(ShellOption.DefaultShell);
        var run = await RunBufferedAsync(command, null, options with { Shell = shell }, cancellationToken).ConfigureAwait(false);
        return run.ToResultOrThrow(command, cancellationToken);
    }

    /// <summary>
    /// Node's <c>execFile</c>: like <see cref="ExecAsync"/> but without a shell, so every argument reaches the
    /// program as written — shell syntax in an argument stays text.
    /// </summary>
    /// <exception cref="SpawnException">The file could not be started (e.g. <c>ENOENT</c>).</exception>
    /// <exception cref="ExecException">Non-zero exit, a signal, <see cref="ExecOptions.Timeout"/> or <see cref="ExecOptions.MaxBuffer"/>.</exception>
    public static async Task<ExecResult> ExecFileAsync(string file, IEnumerable<string>? args = null, ExecOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var argList = args?.ToList() ?? [];
        var run = await RunBufferedAsync(file, argList, options ?? new ExecOptions(), cancellationToken).ConfigureAwait(false);
        return run.ToResultOrThrow(string.Join(' ', [file, .. argList]), cancellationToken);
    }

    /// <summary>Node's <c>execSync</c>: <see cref="ExecAsync"/> that blocks the calling thread; returns stdout.</summary>
    public static string ExecSync(string command, ExecOptions? options = null) =>
        ExecAsync(command, options).GetAwaiter().GetResult().Stdout;

    /// <summary>Node's <c>execFileSync</c>: <see cref="ExecFileAsync"/> that blocks the calling thread; returns stdout.</summary>
    public static string ExecFileSync(string file, IEnumerable<string>? args = null, ExecOptions? options = null) =>
        ExecFileAsync(file, args, options).GetAwaiter().GetResult().Stdout;

    /// <summary>
    /// Node's <c>spawnSync</c>: runs the command to the end, blocking the calling thread, and reports how it went
    /// (status, signal, output, error) instead of throwing.
    /// </summary>
    public static SpawnSyncResult SpawnSync(string command, IEnumerable<string>? args = null, ExecOptions? options = null)
    {
        var run = RunBufferedAsync(command, args?.ToList() ?? [], options ?? new ExecOptions(), default).GetAwaiter().GetResult();
        Exception? error = run.SpawnError;
        if (error is null && run.Failure is ExecFailure.Timeout or ExecFailure.MaxBuffer)
            error = run.ToException(string.Join(' ', [command, .. args ?? []]));
        return new SpawnSyncResult(run.Pid, run.Stdout, run.Stderr, run.Exit?.Code, run.Exit?.Signal, error);
    }

    private sealed record BufferedRun(int? Pid, ChildExit? Exit, string Stdout, string Stderr, ExecFailure? Failure,
        string? Detail, bool Cancelled, SpawnException? SpawnError)
    {
        public ExecResult ToResultOrThrow(string command, CancellationToken cancellationToken)
        {
            if (SpawnError is not null) throw SpawnError;
            if (Cancelled) throw new OperationCanceledException($"Cancelled: {command} (the child was ended).", cancellationToken);
            if (Failure is not null) throw ToException(command);
            return new ExecResult(Stdout, Stderr);
        }

        public ExecException ToException(string command) =>
            new(command, Failure!.Value, Exit?.Code, Exit?.Signal, Failure is ExecFailure.Timeout or ExecFailure.MaxBuffer, Stdout, Stderr, Detail!);
    }

    private static async Task<BufferedRun> RunBufferedAsync(string command, List<string>? args, ExecOptions options,
        CancellationToken cancellationToken)
    {
        var killSignal = Signals.ToNumber(options.KillSignal);
        if (options.MaxBuffer <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.MaxBuffer, "MaxBuffer must be positive.");
        if (options.Timeout is { } t && t <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), t, "Timeout must be positive (or null for none).");
        var spawnOptions = new SpawnOptions { Cwd = options.Cwd, Env = options.Env, Shell = options.Shell, Logger = options.Logger };
        // Its own process group, so a limit ends the whole command line (a shell and what it started), not just the shell.
        var child = SpawnCore(command, args, spawnOptions, new LaunchExtras(NewProcessGroup: true));
        if (child.Pid is null) // it could not start: Exited has already failed with the reason
            return new BufferedRun(null, null, "", "", null, null, false, child._spawnError!);

        ExecFailure? failure = null;
        string? detail = null;
        bool cancelled = false;
        var stopping = new object();
        void Stop(ExecFailure? why, string what)
        {
            lock (stopping)
            {
                if (failure is not null || cancelled) return;
                if (why is null) cancelled = true;
                else (failure, detail) = (why, $"{what}; ended with {options.KillSignal}");
            }
            child.KillGroup(killSignal);
            _ = EscalateAsync(child);
        }

        var stdout = child.Stdout!.CollectAsync(options.MaxBuffer, () => Stop(ExecFailure.MaxBuffer, $"stdout exceeded maxBuffer of {options.MaxBuffer:N0} bytes"));
        var stderr = child.Stderr!.CollectAsync(options.MaxBuffer, () => Stop(ExecFailure.MaxBuffer, $"stderr exceeded maxBuffer of {options.MaxBuffer:N0} bytes"));
        if (options.Input is not null) child.Stdin!.TryWrite(Encoding.UTF8.GetBytes(options.Input));
        child.Stdin!.TryEnd();

        using var timer = options.Timeout is { } limit
            ? new Timer(_ => Stop(ExecFailure.Timeout, $"timed out after {limit.TotalMilliseconds:0} ms"), null, limit, System.Threading.Timeout.InfiniteTimeSpan)
            : null;
        using var registration = cancellationToken.Register(() => Stop(null, "cancelled"));

        var exit = await child.Closed.ConfigureAwait(false);
        var outBytes = await stdout.ConfigureAwait(false);
        var errBytes = await stderr.ConfigureAwait(false);
        lock (stopping)
        {
            if (failure is null && !cancelled && !exit.Success)
                (failure, detail) = exit.Signal is not null ? (ExecFailure.Signal, $"ended by {exit.Signal}") : (ExecFailure.ExitCode, $"exit code {exit.Code}");
        }
        return new BufferedRun(child.Pid, exit, Encoding.UTF8.GetString(outBytes), Encoding.UTF8.GetString(errBytes),
            failure, detail, cancelled, null);
    }

    /// <summary>
    /// A command line that ignores the kill signal is ended with SIGKILL: a limit must not leave anything running.
    /// It waits for Closed, not Exited: a shell can exit while a command it started still holds the output.
    /// </summary>
    private static async Task EscalateAsync(ChildProcess child)
    {
        if (await Task.WhenAny(child.Closed, Task.Delay(KillEscalation)).ConfigureAwait(false) != child.Closed)
            child.KillGroup(Signals.ToNumber("SIGKILL"));
    }
}
