using System.Net;

namespace Workbook.LoadTesting;

/// <summary>What a load run sends, where, how much and for how long.</summary>
public sealed record LoadTest
{
    /// <summary>The endpoint; http on 127.0.0.1 or localhost unless <see cref="AllowRemoteTarget"/> is set.</summary>
    public required Uri Url { get; init; }

    /// <summary>A name for the run in summaries and charts.</summary>
    public string Label { get; init; } = "load";

    /// <summary>The phases, run one after the other: all closed or all open (see <see cref="Load"/>).</summary>
    public required IReadOnlyList<LoadPhase> Load { get; init; }

    public ConnectionMode Connection { get; init; } = ConnectionMode.KeepAlive;

    /// <summary>HTTP method; GET by default.</summary>
    public string Method { get; init; } = "GET";

    /// <summary>Extra request headers (e.g. a cookie).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>A request that takes longer than this fails with <see cref="FailureReason.Timeout"/>. Default 10 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Stop after this many requests were sent (as <c>ab -n</c>); the time bound still applies.</summary>
    public long? MaxRequests { get; init; }

    /// <summary>Count responses per value of this response header (e.g. <c>X-Worker-Pid</c>: which worker served what).</summary>
    public string? AttributeBy { get; init; }

    /// <summary>Open model only: requests in flight beyond this are not sent and counted as <see cref="FailureReason.NotSent"/>.</summary>
    public int MaxInFlight { get; init; } = 10_000;

    /// <summary>Load goes to loopback only unless this is set: the workbook measures its own machine.</summary>
    public bool AllowRemoteTarget { get; init; }

    /// <summary>The total time of all phases.</summary>
    public TimeSpan Duration => TimeSpan.FromTicks(Load.Sum(p => p.Duration.Ticks));

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Url);
        if (Url.Scheme != Uri.UriSchemeHttp) throw new ArgumentException($"Only http:// URLs can be loaded (got {Url}).");
        if (!AllowRemoteTarget && !IsLoopback(Url))
            throw new ArgumentException($"{Url.Host} is not this machine. Load runs go to 127.0.0.1/localhost unless AllowRemoteTarget is set.");
        if (Timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "The request timeout must be positive.");
        if (MaxRequests is <= 0) throw new ArgumentOutOfRangeException(nameof(MaxRequests), MaxRequests, "MaxRequests must be positive.");
        if (MaxInFlight <= 0) throw new ArgumentOutOfRangeException(nameof(MaxInFlight), MaxInFlight, "MaxInFlight must be positive.");
        if (string.IsNullOrWhiteSpace(Method) || Method.Any(char.IsWhiteSpace)) throw new ArgumentException($"Invalid HTTP method '{Method}'.");
        foreach (var (name, value) in Headers)
            if (name.Any(c => c is ':' or '\r' or '\n') || value.Any(c => c is '\r' or '\n'))
                throw new ArgumentException($"Invalid header '{name}: {value}'.");
    }

    internal static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
