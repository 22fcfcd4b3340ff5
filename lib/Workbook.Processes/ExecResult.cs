namespace Workbook.Processes;

/// <summary>What a command that succeeded printed.</summary>
public sealed record ExecResult(string Stdout, string Stderr);
