using System.Text;

namespace Workbook.Processes;

/// <summary>
/// The parent's end of a child's stdin. <see cref="Write(string)"/> sends text (UTF-8), <see cref="End"/> closes
/// the pipe so the child reads end-of-file, as Node's <c>child.stdin.write()</c> and <c>.end()</c>.
/// </summary>
public sealed class ChildWritable
{
    private readonly Stream _pipe;
    private readonly object _gate = new();
    private readonly bool _notStarted;
    private bool _ended;
    private bool _childExited;

    internal ChildWritable(Stream pipe, string name)
    {
        _pipe = pipe;
        Name = name;
    }

    private ChildWritable(string name, bool notStarted)
        : this(ClosedStream(), name) => _notStarted = notStarted;

    /// <summary>
    /// The stdin of a child that could not be started: there is no pipe, so writing throws (in Node the write
    /// fails with an error too); <see cref="End"/> does nothing more than mark it ended.
    /// </summary>
    internal static ChildWritable NotStarted(string name) => new(name, notStarted: true);

    /// <summary><c>"stdin"</c>, with the child's pid.</summary>
    public string Name { get; }

    /// <summary>True once <see cref="End"/> was called (or a pipe into it finished).</summary>
    public bool Ended
    {
        get { lock (_gate) return _ended; }
    }

    /// <summary>The pipe as a .NET stream, e.g. for <c>await file.CopyToAsync(child.Stdin.Stream)</c>; closed after <see cref="End"/> or when the child could not be started.</summary>
    public Stream Stream => _pipe;

    /// <summary>Writes text, encoded as UTF-8.</summary>
    /// <exception cref="IOException">The child has closed its stdin (it exited, for example), or it could not be started.</exception>
    public void Write(string text) => Write(Encoding.UTF8.GetBytes(text));

    /// <summary>Writes bytes.</summary>
    /// <exception cref="IOException">The child has closed its stdin (it exited, for example), or it could not be started.</exception>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            if (_childExited) throw new IOException($"{Name} is closed on the child's side: the child exited, and its stdin was closed with it.");
            if (_ended) throw new InvalidOperationException($"{Name} was already ended; nothing more can be written.");
            if (_notStarted) throw new IOException($"{Name}: the child could not be started, so nothing can be written to it (its Error event says why).");
            try
            {
                _pipe.Write(bytes);
            }
            catch (IOException e)
            {
                throw new IOException($"{Name} is closed on the child's side (the child exited or closed its stdin): {e.Message}", e);
            }
        }
    }

    /// <summary>Writes <paramref name="text"/> if given, then closes the pipe: the child reads end-of-file.</summary>
    public void End(string? text = null)
    {
        if (text is not null) Write(text);
        TryEnd();
    }

    internal bool TryWrite(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            if (_ended) return false;
            try
            {
                _pipe.Write(bytes);
                return true;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                return false;
            }
        }
    }

    /// <summary>The child exited: the pipe is closed (its descriptor freed now, not by the garbage collector), and a later write says why.</summary>
    internal void CloseAfterExit()
    {
        lock (_gate) _childExited = !_ended;
        TryEnd();
    }

    internal void TryEnd()
    {
        lock (_gate)
        {
            if (_ended) return;
            _ended = true;
            try
            {
                _pipe.Dispose();
            }
            catch (IOException)
            {
                // Closing a pipe whose reader is gone can report EPIPE; the pipe is closed either way.
            }
        }
    }

    private static Stream ClosedStream()
    {
        var stream = new MemoryStream();
        stream.Dispose();
        return stream;
    }
}
