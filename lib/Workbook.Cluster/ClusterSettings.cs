using System.Net;
using Microsoft.Extensions.Logging;

namespace Workbook.Cluster;

/// <summary>What a primary starts (Node's <c>cluster.setupPrimary</c> settings, and the port the workers share).</summary>
public sealed record ClusterSettings
{
    /// <summary>The worker program (a built .dll, run with the current dotnet). Default: this program, as Node re-runs the main script.</summary>
    public string Exec { get; init; } = Cluster.ThisProgram();

    /// <summary>Arguments for every worker.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>
    /// Variables added to every worker's environment (Node's <c>cluster.fork(env)</c>); the rest is inherited.
    /// A <c>DOTNET_STARTUP_HOOKS</c> here runs before the hook that opens the worker's channel.
    /// </summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>The workers' working directory (an ASP.NET Core app's content root): default, this process's.</summary>
    public string? Cwd { get; init; }

    /// <summary>How many workers <see cref="ClusterPrimary.StartAsync(CancellationToken)"/> forks; default one per core.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>The port the workers share; 0 picks a free one (see <see cref="ClusterPrimary.Url"/>).</summary>
    public int Port { get; init; } = 8080;

    public SchedulingPolicy SchedulingPolicy { get; init; } = SchedulingPolicy.RoundRobin;

    /// <summary>A worker that does not report listening within this time is ended and reported.</summary>
    public TimeSpan ListenTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a disconnecting worker may drain its connections before it is killed (PM2's kill_timeout).</summary>
    public TimeSpan DisconnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Round-robin only: the most connections a worker holds that it has not answered once yet. More wait in the
    /// primary, where they survive the worker's crash; what a crash can lose is bounded by this number. A Node
    /// worker, single-threaded, holds about one. Default <see cref="HandOffLimit.Adaptive"/>: each worker's limit
    /// follows what it can run. A number (<see cref="HandOffLimit.Fixed"/>) pins it; null: no limit (every
    /// connection goes to a worker at once).
    /// </summary>
    /// <remarks>
    /// Why adaptive: a fixed number fits one kind of handler only. From the availability benchmark (2 workers, ab):
    /// at 8, a handler that waits 50 ms for I/O served a quarter of what it did without a limit (64 clients), while
    /// under the notes' CPU-bound load an abrupt crash lost about 27 requests with 32 and about 104 without a limit.
    /// The adaptive limit grows while more connections do not make the worker slower (waiting on I/O) and shrinks
    /// once they only queue behind each other (CPU-bound): see the benchmark's hand-off limit table for what it keeps
    /// and saves. Keep-alive connections count only until their first response. Under
    /// <see cref="SessionAffinity"/>, connections that go to their client's worker are not held back by it (they
    /// belong there), so the bound applies to the round-robin ones only.
    /// </remarks>
    public HandOffLimit? HandOffLimit { get; init; } = HandOffLimit.Adaptive;

    /// <summary>Round-robin only: sticky routing by client IP or by cookie (see <see cref="Workbook.Cluster.SessionAffinity"/>). Default: none.</summary>
    public SessionAffinity SessionAffinity { get; init; } = SessionAffinity.None;

    /// <summary>The cookie that names a client's worker under <see cref="SessionAffinity.Cookie"/>.</summary>
    public string AffinityCookieName { get; init; } = "WorkbookAffinity";

    /// <summary>
    /// Under <see cref="SessionAffinity.Cookie"/>: how long the primary waits for a new connection's request
    /// headers before it gives up looking for the cookie and routes the connection round-robin.
    /// </summary>
    public TimeSpan AffinityReadTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>When a crashed worker is replaced, how fast, and when the primary gives up (PM2's restart options).</summary>
    public RestartPolicy Restart { get; init; } = new();

    /// <summary>
    /// PM2's wait_ready: a worker counts as started when it sends the message "ready" (after its own
    /// warm-up), not when it listens. Start-up and rolling restarts wait for it, up to <see cref="ListenTimeout"/>.
    /// </summary>
    public bool WaitReady { get; init; }

    /// <summary>Where workers' stdout and stderr go, line by line: by default this process's console (in a notebook: the cell).</summary>
    public TextWriter? WorkerOutput { get; init; }

    /// <summary>Lifecycle events (fork, online, listening, disconnect, exit) are logged here.</summary>
    public ILogger? Logger { get; init; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Exec)) throw new ArgumentException("The worker program (Exec) is not set.");
        if (Cwd is not null && !Directory.Exists(Cwd)) throw new ArgumentException($"The workers' working directory (Cwd) '{Cwd}' does not exist.");
        if (Workers < 0) throw new ArgumentOutOfRangeException(nameof(Workers), Workers, "The number of workers cannot be negative.");
        if (Port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(Port), Port, "Not a port number.");
        if (ListenTimeout <= TimeSpan.Zero || DisconnectTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ListenTimeout), "Timeouts must be positive.");
        if (SessionAffinity != SessionAffinity.None && SchedulingPolicy != SchedulingPolicy.RoundRobin)
            throw new ArgumentException($"Session affinity ({SessionAffinity}) needs the round-robin policy: only then does the primary decide where a connection goes (here: {SchedulingPolicy}).");
        if (SessionAffinity == SessionAffinity.Cookie && (string.IsNullOrWhiteSpace(AffinityCookieName) || AffinityCookieName.Any(c => c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".Contains(c))))
            throw new ArgumentException($"'{AffinityCookieName}' is not a valid cookie name.");
        if (AffinityReadTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(AffinityReadTimeout), AffinityReadTimeout, "The affinity read timeout must be positive.");
        ArgumentNullException.ThrowIfNull(Restart);
        Restart.Validate();
    }
}
