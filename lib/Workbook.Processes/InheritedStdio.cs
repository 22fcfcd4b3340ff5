namespace Workbook.Processes;

/// <summary>Writers that stand for "the parent's stdout and stderr" (see <see cref="ChildProcess.InheritedStdioRedirect"/>).</summary>
public sealed record InheritedStdio(Func<TextWriter> Stdout, Func<TextWriter> Stderr);
