namespace Workbook.Processes;

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
