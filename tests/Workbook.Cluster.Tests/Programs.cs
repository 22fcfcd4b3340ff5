using Workbook.LoadTesting;

namespace Workbook.Cluster.Tests;

/// <summary>The programs and helpers the cluster tests use.</summary>
internal static class Programs
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>examples/Cluster: the notes' cluster.js + server.js.</summary>
    public static string ClusterExample { get; } = Metadata("ClusterExample");

    /// <summary>examples/Sessions: the login app of chapter 07 (session store and affinity chosen by flags).</summary>
    public static string SessionsExample { get; } = Metadata("SessionsExample");

    /// <summary>The process tests' dummy: "crash" exits at once with 3, "no-channel-code" runs and never listens.</summary>
    public static string Dummy { get; } = Metadata("Dummy");

    public static ClusterSettings Settings(int workers, SchedulingPolicy policy = SchedulingPolicy.RoundRobin, params string[] args) => new()
    {
        Exec = ClusterExample,
        Args = ["--work", "0", .. args],
        Workers = workers,
        Port = 0,
        SchedulingPolicy = policy,
        WorkerOutput = TextWriter.Null,
    };

    /// <summary>N requests, each on a new connection; responses counted per X-Worker-Pid.</summary>
    public static Task<LoadResult> RequestsAsync(Uri url, int count, int clients = 4) => LoadRunner.RunAsync(new LoadTest
    {
        Url = url,
        Load = [Load.KeepConstant(clients, TimeSpan.FromSeconds(30))],
        MaxRequests = count,
        Connection = ConnectionMode.NewPerRequest,
        AttributeBy = "X-Worker-Pid",
    });

    public static int FreePort() => Workbook.Testing.TestEnvironment.FreePort();

    private static string Metadata(string key) => Workbook.Testing.TestEnvironment.BuildMetadata(typeof(Programs).Assembly, key);
}
