using Microsoft.Extensions.Logging;

namespace Workbook.Processes;

/// <summary>Options of the buffered family: <c>ExecAsync</c>, <c>ExecFileAsync</c> and the sync variants, named as Node's.</summary>
public sealed record ExecOptions
{
    /// <summary>Node's default <c>maxBuffer</c>: 1 MiB on stdout and on stderr.</summary>
    public const long DefaultMaxBuffer = 1024 * 1024;

    /// <summary>Working directory of the child; <c>null</c> or empty means the parent's.</summary>
    public string? Cwd { get; init; }

    /// <summary>The child's whole environment; <c>null</c> means a copy of the parent's.</summary>
    public IReadOnlyDictionary<string, string>? Env { get; init; }

    /// <summary>
    /// The shell: <c>ExecAsync</c> always uses one (<c>/bin/sh</c> unless this names another); the others use one
    /// only when this is set.
    /// </summary>
    public ShellOption Shell { get; init; }

    /// <summary>Ends the child (with <see cref="KillSignal"/>) if it runs longer than this; <c>null</c>: no limit.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The signal sent when a limit is hit or the run is cancelled. Default <c>SIGTERM</c>, as in Node.</summary>
    public string KillSignal { get; init; } = "SIGTERM";

    /// <summary>The most bytes kept from stdout, and from stderr; more ends the child. Default 1 MiB.</summary>
    public long MaxBuffer { get; init; } = DefaultMaxBuffer;

    /// <summary>Text written to the child's stdin before it is closed. Without it the child reads end-of-file at once.</summary>
    public string? Input { get; init; }

    /// <summary>Where spawn and exit are logged.</summary>
    public ILogger? Logger { get; init; }
}

/// <summary>What a command that succeeded printed.</summary>
public sealed record ExecResult(string Stdout, string Stderr);

/// <summary>Why a buffered command failed.</summary>
public enum ExecFailure
{
    /// <summary>It exited with a non-zero code.</summary>
    ExitCode,

    /// <summary>A signal ended it (not one we sent for a limit).</summary>
    Signal,

    /// <summary>It ran past <see cref="ExecOptions.Timeout"/> and was ended.</summary>
    Timeout,

    /// <summary>It printed more than <see cref="ExecOptions.MaxBuffer"/> and was ended.</summary>
    MaxBuffer,
}

/// <summary>
/// Node's exec error: the command failed. Carries the exit <see cref="Code"/> or <see cref="Signal"/>, what was
/// captured until then, whether we <see cref="Killed"/> it, and which limit (<see cref="Reason"/>) was hit.
/// </summary>
public sealed class ExecException(
    string command, ExecFailure reason, int? code, string? signal, bool killed, string stdout, string stderr, string detail)
    : Exception($"Command failed: {command} ({detail})" + (stderr.Length > 0 ? "\n" + stderr.TrimEnd() : ""))
{
    /// <summary>The command line (exec) or the file and its arguments (execFile).</summary>
    public string Command { get; } = command;

    public ExecFailure Reason { get; } = reason;

    /// <summary>The exit code, or <c>null</c> when a signal ended the child.</summary>
    public int? Code { get; } = code;

    /// <summary>The signal that ended the child, or <c>null</c>.</summary>
    public string? Signal { get; } = signal;

    /// <summary>True when the child was ended by us (a limit was hit).</summary>
    public bool Killed { get; } = killed;

    public string Stdout { get; } = stdout;

    public string Stderr { get; } = stderr;
}

/// <summary>Node's <c>spawnSync</c> result: it reports failures instead of throwing them.</summary>
public sealed record SpawnSyncResult(int? Pid, string Stdout, string Stderr, int? Status, string? Signal, Exception? Error);
