namespace Workbook.Processes;

/// <summary>Handler of <see cref="ChildProcess.Exit"/> and <see cref="ChildProcess.Close"/>: Node's <c>(code, signal)</c>.</summary>
public delegate void ChildExitHandler(int? code, string? signal);
