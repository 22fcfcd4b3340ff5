using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Workbook.Cluster;

/// <summary>
/// Node's <c>cluster.isPrimary</c> / <c>cluster.isWorker</c>: a program that is started normally is the primary;
/// the same program forked by a primary runs as a worker. So <c>if (Cluster.IsPrimary) { … } else { … }</c>
/// works as in the notes.
/// </summary>
public static class Cluster
{
    internal const string WorkerIdVariable = "WORKBOOK_CLUSTER_WORKER_ID";
    internal const string PolicyVariable = "WORKBOOK_CLUSTER_POLICY";
    internal const string AddressVariable = "WORKBOOK_CLUSTER_ADDRESS";
    internal const string PortVariable = "WORKBOOK_CLUSTER_PORT";
    internal const string DisconnectTimeoutVariable = "WORKBOOK_CLUSTER_DISCONNECT_TIMEOUT_MS";
    internal const string AffinityCookieVariable = "WORKBOOK_CLUSTER_AFFINITY_COOKIE";

    /// <summary>The fd number at which a worker finds its hand-off socket (round-robin) or the listening socket (shared).</summary>
    internal const int WorkerSocketFd = 4;

    private static readonly Lazy<WorkerSettings?> LazyWorkerSettings = new(Workbook.Cluster.WorkerSettings.FromEnvironment);
    private static readonly Lazy<ISharedStore> WorkerStore = new(() => new PrimaryStoreClient());

    /// <summary>True when this process was forked by a cluster primary.</summary>
    public static bool IsWorker => WorkerSettings is not null;

    /// <summary>True unless this process is a cluster worker.</summary>
    public static bool IsPrimary => !IsWorker;

    /// <summary>In a worker, its id (Node's <c>cluster.worker.id</c>): 1 for the first worker forked, and so on.</summary>
    public static int? WorkerId => WorkerSettings?.Id;

    /// <summary>
    /// In a worker: the primary's shared store (<see cref="ClusterPrimary.Store"/>), reached over this worker's
    /// channel. What one worker stores, every other worker reads, and it outlives the worker.
    /// </summary>
    /// <exception cref="InvalidOperationException">This process is not a cluster worker (the primary has <see cref="ClusterPrimary.Store"/>).</exception>
    public static ISharedStore Store => IsWorker
        ? WorkerStore.Value
        : throw new InvalidOperationException("Cluster.Store is a worker's way to the primary's store, and this process is not a cluster worker. In the primary, use ClusterPrimary.Store.");

    /// <summary>What the primary told this worker (for the worker-side integration); null in a primary.</summary>
    internal static WorkerSettings? WorkerSettings => LazyWorkerSettings.Value;

    /// <summary>
    /// The program that is running (Node re-runs the main script): the entry assembly, run with dotnet; in a
    /// single-file or Native AOT program, which has no assembly file, the executable itself.
    /// </summary>
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "Empty there, and then the executable is the program.")]
    internal static string ThisProgram() => Assembly.GetEntryAssembly()?.Location is { Length: > 0 } path ? path : Environment.ProcessPath ?? "";

    internal static string PolicyName(SchedulingPolicy policy) => policy switch
    {
        SchedulingPolicy.RoundRobin => "round-robin",
        SchedulingPolicy.ReusePort => "reuse-port",
        _ => "shared",
    };
}
