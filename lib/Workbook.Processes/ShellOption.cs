namespace Workbook.Processes;

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
