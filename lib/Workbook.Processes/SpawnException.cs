namespace Workbook.Processes;

/// <summary>
/// A child process could not be started, as Node's <c>spawn</c> error: <see cref="Code"/> is the errno name
/// (<c>ENOENT</c> for a command that does not exist), <see cref="Path"/> the command.
/// </summary>
public sealed class SpawnException : Exception
{
    public SpawnException(string path, IReadOnlyList<string> spawnArgs, int errno, string explanation)
        : base($"spawn {path} {Native.Libc.ErrnoName(errno)}: {explanation}")
    {
        Path = path;
        SpawnArgs = spawnArgs;
        Errno = errno;
        Code = Native.Libc.ErrnoName(errno);
    }

    /// <summary>The errno name, e.g. <c>ENOENT</c>, <c>EACCES</c>.</summary>
    public string Code { get; }

    /// <summary>The errno number.</summary>
    public int Errno { get; }

    /// <summary>The command that was to be run.</summary>
    public string Path { get; }

    /// <summary>The full argument vector, command first.</summary>
    public IReadOnlyList<string> SpawnArgs { get; }
}
