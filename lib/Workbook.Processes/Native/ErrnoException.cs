namespace Workbook.Processes.Native;

/// <summary>A libc call failed with <see cref="Errno"/>.</summary>
internal sealed class ErrnoException(int errno, string call)
    : IOException($"{call} failed: {Libc.ErrnoName(errno)} ({Libc.ErrnoMessage(errno)})")
{
    public int Errno { get; } = errno;
}
