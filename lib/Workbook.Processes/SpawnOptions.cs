using Microsoft.Extensions.Logging;

namespace Workbook.Processes;

/// <summary>Options of <see cref="ChildProcess.Spawn(string, IEnumerable{string}?, SpawnOptions?)"/>, named as Node's.</summary>
public sealed record SpawnOptions
{
    /// <summary>Working directory of the child; <c>null</c> or empty means the parent's current directory (as in Node).</summary>
    public string? Cwd { get; init; }

    /// <summary>
    /// The child's whole environment; <c>null</c> means a copy of the parent's. As in Node, a dictionary
    /// replaces the environment rather than adding to it: an empty one gives the child no variables at all.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Env { get; init; }

    /// <summary>
    /// Run the command inside a shell: <c>true</c> for <c>/bin/sh</c>, or the path of a shell. The command
    /// and its arguments are joined with spaces into one command line, so shell syntax (pipes, <c>$VARS</c>) works.
    /// </summary>
    public ShellOption Shell { get; init; }

    /// <summary>What the child's stdin, stdout and stderr are connected to.</summary>
    public StdioMode Stdio { get; init; } = StdioMode.Pipe;

    /// <summary>
    /// Node's <c>detached</c>: the child leads a new session and process group, so signals sent to the parent's
    /// group (Ctrl+C in a terminal) do not reach it. Together with <see cref="ChildProcess.Unref"/> and
    /// <see cref="StdioMode.Ignore"/> it keeps running after the parent exits.
    /// </summary>
    public bool Detached { get; init; }

    /// <summary>Where spawn and exit are logged; nothing is logged when <c>null</c>.</summary>
    public ILogger? Logger { get; init; }
}

/// <summary>Node's <c>stdio</c> option for all three streams.</summary>
public enum StdioMode
{
    /// <summary>A pipe between parent and child: <see cref="ChildProcess.Stdin"/>, <see cref="ChildProcess.Stdout"/> and <see cref="ChildProcess.Stderr"/> are set.</summary>
    Pipe,

    /// <summary>The child uses the parent's own stdin, stdout and stderr.</summary>
    Inherit,

    /// <summary>The child's streams are connected to <c>/dev/null</c>.</summary>
    Ignore,
}

/// <summary>The <c>shell</c> option: <c>false</c> (no shell), <c>true</c> (<c>/bin/sh</c>) or a shell's path.</summary>
public readonly record struct ShellOption(string? Path)
{
    /// <summary>The shell <c>true</c> stands for, as in Node on Unix.</summary>
    public const string DefaultShell = "/bin/sh";

    /// <summary>Whether the command runs inside a shell.</summary>
    public bool Enabled => Path is not null;

    public static implicit operator ShellOption(bool useShell) => new(useShell ? DefaultShell : null);

    public static implicit operator ShellOption(string? shellPath) =>
        new(string.IsNullOrWhiteSpace(shellPath) ? null : shellPath);

    public override string ToString() => Path ?? "false";
}
