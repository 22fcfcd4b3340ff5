namespace Workbook.Processes;

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
