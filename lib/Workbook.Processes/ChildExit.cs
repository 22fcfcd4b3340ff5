namespace Workbook.Processes;

/// <summary>
/// How a child ended, as Node reports it: an exit <see cref="Code"/> when it exited by itself, or the name of
/// the <see cref="Signal"/> that ended it (then <see cref="Code"/> is <c>null</c>).
/// </summary>
public sealed record ChildExit(int? Code, string? Signal)
{
    /// <summary>True when the child exited by itself with code 0.</summary>
    public bool Success => Code == 0;

    public override string ToString() => Signal is not null ? $"signal {Signal}" : $"code {Code}";
}
