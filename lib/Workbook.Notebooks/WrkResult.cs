namespace Workbook.Notebooks;

/// <summary>
/// What <c>wrk</c> reported: the responses it counted and its socket errors, one per failed socket operation
/// (connect, read, write, timeout), which are not requests.
/// </summary>
public sealed record WrkResult(long Responses, long Connect, long Read, long Write, long Timeout, string Output)
{
    /// <summary>All socket errors, as wrk's "Socket errors:" line adds them up.</summary>
    public long SocketErrors => Connect + Read + Write + Timeout;

    /// <inheritdoc />
    public override string ToString() =>
        $"wrk: {Responses:N0} responses; {SocketErrors:N0} socket errors (connect {Connect:N0}, read {Read:N0}, write {Write:N0}, timeout {Timeout:N0})";
}
