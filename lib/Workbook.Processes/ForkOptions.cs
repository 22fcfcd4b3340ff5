using Microsoft.Extensions.Logging;

namespace Workbook.Processes;

/// <summary>Options of <see cref="ChildProcess.Fork"/>, named as Node's.</summary>
public sealed record ForkOptions
{
    /// <summary>Working directory of the child (a relative program path is found from there); <c>null</c> or empty means the parent's.</summary>
    public string? Cwd { get; init; }

    /// <summary>The child's whole environment; <c>null</c> means a copy of the parent's.</summary>
    public IReadOnlyDictionary<string, string>? Env { get; init; }

    /// <summary>
    /// As Node's fork: <see cref="StdioMode.Inherit"/> by default, so the child prints where the parent prints
    /// (in a notebook: into the cell). <see cref="StdioMode.Pipe"/> is Node's <c>silent: true</c>.
    /// </summary>
    public StdioMode Stdio { get; init; } = StdioMode.Inherit;

    /// <summary>Node's <c>execArgv</c>: arguments for <c>dotnet</c> itself, before the program's path.</summary>
    public IReadOnlyList<string> ExecArgv { get; init; } = [];

    /// <summary>Where spawn, exit and channel problems are logged.</summary>
    public ILogger? Logger { get; init; }
}
