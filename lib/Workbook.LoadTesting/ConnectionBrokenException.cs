namespace Workbook.LoadTesting;

/// <summary>The server closed the connection early (<see cref="Closed"/>), or answered something that is not HTTP/1.x.</summary>
internal sealed class ConnectionBrokenException(string message, bool closed = false) : IOException(message)
{
    public bool Closed { get; } = closed;
}
