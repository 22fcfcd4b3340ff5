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
