using System.Net;
using System.Net.Sockets;

namespace Workbook.LoadTesting;

/// <summary>
/// A session load: virtual users that log in, then request a page that needs the session, again and again.
/// It counts how often a session is lost (a 401 because the worker that got the request does not know the
/// session), which is what sticky sessions or a shared session store are for.
/// </summary>
public sealed record SessionLoadTest
{
    /// <summary>The server; http on this machine only (the workbook measures its own machine). localhost is 127.0.0.1.</summary>
    public required Uri Url { get; init; }

    /// <summary>A name for the run in summaries and charts.</summary>
    public string Label { get; init; } = "sessions";

    /// <summary>Virtual users running at once; each does one request at a time.</summary>
    public int Clients { get; init; } = 20;

    /// <summary>The time bound: no request is sent after it; requests in flight get <see cref="SessionLoadRun.EndGrace"/>.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Stop after this many logins were started; the sessions already begun still make their page requests.</summary>
    public long? MaxSessions { get; init; }

    /// <summary>Logging in is <c>POST {LoginPath}?user=&lt;name&gt;</c>, empty body; 2xx is logged in, and the cookies it sets are kept.</summary>
    public string LoginPath { get; init; } = "/login";

    /// <summary>The page that needs the session: <c>GET</c> with the user's cookies; 2xx is served, 401 is a lost session.</summary>
    public string PagePath { get; init; } = "/profile";

    /// <summary>Page requests after each login (fewer if the session is lost).</summary>
    public int RequestsPerLogin { get; init; } = 10;

    /// <summary>
    /// How long each user waits after an answer before its next request, as a person reads a page. Zero (the default):
    /// at once, so the users together send as fast as the server answers.
    /// </summary>
    public TimeSpan ThinkTime { get; init; }

    /// <summary>
    /// Send <c>Connection: close</c> on every request, so each one opens a new connection and can land on another
    /// worker (cluster balancing is per connection). False: each virtual user keeps its connection.
    /// </summary>
    public bool NewConnectionPerRequest { get; init; } = true;

    /// <summary>
    /// Client <c>i</c> connects from <c>SourceAddresses[i % n]</c> (e.g. 127.0.0.2, 127.0.0.3: different "visitors"
    /// for IP-hash balancing). Empty: the OS picks (127.0.0.1).
    /// </summary>
    public IReadOnlyList<IPAddress> SourceAddresses { get; init; } = [];

    /// <summary>Count page responses per value of this response header (which worker answered); null: don't.</summary>
    public string? AttributeBy { get; init; } = "X-Worker-Pid";

    /// <summary>A request that takes longer than this fails as "timeout".</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Url);
        if (Url.Scheme != Uri.UriSchemeHttp) throw new ArgumentException($"Only http:// URLs can be loaded (got {Url}).", nameof(Url));
        if (!LoadTest.IsLoopback(Url))
            throw new ArgumentException($"{Url.Host} is not this machine. Session load runs go to 127.0.0.1/localhost only.", nameof(Url));
        if (Clients < 1) throw new ArgumentOutOfRangeException(nameof(Clients), Clients, "A session load needs at least one client.");
        if (Duration <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Duration), Duration, "The duration must be positive.");
        if (MaxSessions is <= 0) throw new ArgumentOutOfRangeException(nameof(MaxSessions), MaxSessions, "MaxSessions must be positive.");
        if (RequestsPerLogin < 1) throw new ArgumentOutOfRangeException(nameof(RequestsPerLogin), RequestsPerLogin, "Each login needs at least one page request.");
        if (ThinkTime < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ThinkTime), ThinkTime, "The think time cannot be negative.");
        if (Timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "The request timeout must be positive.");
        CheckPath(LoginPath, nameof(LoginPath));
        CheckPath(PagePath, nameof(PagePath));
        if (AttributeBy is not null && (AttributeBy.Length == 0 || AttributeBy.Any(c => c is ':' or <= ' ' or > '~')))
            throw new ArgumentException($"'{AttributeBy}' is not a header name.", nameof(AttributeBy));
        ArgumentNullException.ThrowIfNull(SourceAddresses);
        foreach (var source in SourceAddresses) CheckSource(source);
    }

    /// <summary>Where the load goes: the URL's address (localhost is 127.0.0.1, as in <see cref="LoadRun"/>).</summary>
    internal IPEndPoint Target() =>
        new(IPAddress.TryParse(Url.Host.Trim('[', ']'), out var ip) ? ip : IPAddress.Loopback, Url.Port);

    private static void CheckPath(string path, string name)
    {
        if (path is null || !path.StartsWith('/') || path.Any(char.IsWhiteSpace))
            throw new ArgumentException($"{name} must be a path starting with '/' (got '{path}').", name);
    }

    /// <summary>Binds a throwaway socket, so an address that is not on this machine fails here, not as thousands of failed requests.</summary>
    private void CheckSource(IPAddress source)
    {
        ArgumentNullException.ThrowIfNull(source, nameof(SourceAddresses));
        var target = Target();
        if (source.AddressFamily != target.AddressFamily)
            throw new ArgumentException($"Source address {source} and the URL's address {target.Address} are not the same IP version.", nameof(SourceAddresses));
        using var socket = new Socket(source.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
        }
        catch (SocketException e)
        {
            throw new ArgumentException(
                $"Source address {source} cannot be used: it is not an address of this machine ({e.SocketErrorCode}). " +
                "On Linux any 127.x.y.z is (e.g. 127.0.0.2).", nameof(SourceAddresses), e);
        }
    }
}
