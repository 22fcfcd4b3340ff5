using System.Net.Sockets;

namespace Workbook.LoadTesting;

/// <summary>What both runners do with failures: classify a transport error, and say how many of each there were.</summary>
internal static class FailureReasons
{
    /// <summary>Every reason, each with 0: what a result starts from, so any reason can be looked up.</summary>
    public static long[] NewCounts() => new long[Enum.GetValues<FailureReason>().Length];

    /// <summary>The counts by reason as a result carries them: every reason, in the enum's order.</summary>
    public static IReadOnlyDictionary<FailureReason, long> ToDictionary(long[] counts) =>
        Enum.GetValues<FailureReason>().ToDictionary(r => r, r => Interlocked.Read(ref counts[(int)r]));

    /// <summary>The reason of a request that threw (a timeout is recognised by the caller, which knows its deadline).</summary>
    public static FailureReason Classify(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case TimeoutException: // HttpClient's connect timeout
                    return FailureReason.Timeout;
                case SocketException socket:
                    return socket.SocketErrorCode switch
                    {
                        SocketError.ConnectionRefused => FailureReason.Refused,
                        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown or SocketError.OperationAborted
                            => FailureReason.Reset,
                        SocketError.TimedOut => FailureReason.Timeout,
                        _ => FailureReason.Other,
                    };
                case ConnectionBrokenException { Closed: true }:
                case HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded }:
                case HttpIOException { HttpRequestError: HttpRequestError.ResponseEnded }:
                    return FailureReason.Reset;
            }
        }
        return FailureReason.Other;
    }

    /// <summary>e.g. "12 refused, 3 non-2xx (502)"; <paramref name="none"/> when every count is 0.</summary>
    public static string Describe(IReadOnlyDictionary<FailureReason, long> failures, IReadOnlyDictionary<int, long> statusCodes, string none)
    {
        var parts = failures.Where(f => f.Value > 0).Select(f => $"{f.Value:N0} {LoadResult.Describe(f.Key)}" + (f.Key == FailureReason.Status ? Codes(statusCodes) : ""));
        var text = string.Join(", ", parts);
        return text.Length == 0 ? none : text;
    }

    /// <summary>" (502)", or " (3× 502, 2× 503)" for several codes.</summary>
    private static string Codes(IReadOnlyDictionary<int, long> statusCodes) => statusCodes.Count switch
    {
        0 => "",
        1 => $" ({statusCodes.Keys.Single()})",
        _ => $" ({string.Join(", ", statusCodes.OrderBy(c => c.Key).Select(c => $"{c.Value:N0}× {c.Key}"))})",
    };
}
