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
    /// This process's environment with <paramref name="changes"/> set on top, for <see cref="Env"/> (or
    /// <see cref="ExecOptions.Env"/>): Node's <c>{ ...process.env, ...changes }</c>.
    /// </summary>
    public static Dictionary<string, string> EnvWith(IEnumerable<KeyValuePair<string, string>> changes)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables()) env[(string)e.Key] = (string?)e.Value ?? "";
        foreach (var (name, value) in changes) env[name] = value;
        return env;
    }

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
