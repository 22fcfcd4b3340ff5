namespace Workbook.Processes;

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
