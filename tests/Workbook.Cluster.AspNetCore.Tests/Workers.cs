using System.Text.Json;

namespace Workbook.Cluster.AspNetCore.Tests;

/// <summary>The worker program the tests fork (tests/Workbook.Cluster.AspNetCore.Tests.Worker), and how they talk to its cluster.</summary>
internal static class Workers
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The worker's two kinds: an ASP.NET Core app (UseClusterWorker), and plain sockets on ClusterChild alone.</summary>
    public const string Kestrel = "kestrel";
    public const string Plain = "plain";

    public static string Program { get; } = Workbook.Testing.TestEnvironment.BuildMetadata(typeof(Workers).Assembly, "Worker");

    /// <summary>Every kind under every policy.</summary>
    public static TheoryData<string, SchedulingPolicy> KindsAndPolicies => new()
    {
        { Kestrel, SchedulingPolicy.RoundRobin },
        { Kestrel, SchedulingPolicy.Shared },
        { Kestrel, SchedulingPolicy.ReusePort },
        { Plain, SchedulingPolicy.RoundRobin },
        { Plain, SchedulingPolicy.Shared },
        { Plain, SchedulingPolicy.ReusePort },
    };

    /// <summary>
    /// A cluster of <paramref name="workers"/> of the given kind on a port the OS picks. A disconnecting worker may
    /// drain for 20 s before it is killed: far more than any drain here takes, so a kill means the drain failed.
    /// </summary>
    public static ClusterSettings Settings(string kind, SchedulingPolicy policy = SchedulingPolicy.RoundRobin, int workers = 2) => new()
    {
        Exec = Program,
        Args = [kind],
        Workers = workers,
        Port = 0,
        SchedulingPolicy = policy,
        DisconnectTimeout = TimeSpan.FromSeconds(20),
        WorkerOutput = TextWriter.Null,
    };

    /// <summary>A GET on a connection of its own, closed after the response.</summary>
    public static async Task<HttpResponseMessage> GetAsync(Uri url)
    {
        using var http = new HttpClient { Timeout = Timeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.ConnectionClose = true;
        return await http.SendAsync(request);
    }

    /// <summary>The pid of the worker that answered.</summary>
    public static int Pid(HttpResponseMessage response) => int.Parse(response.Headers.GetValues("X-Worker-Pid").Single());

    /// <summary>Completes with the worker that tells the primary it started a request for <paramref name="target"/>.</summary>
    public static Task<Worker> RequestStarted(ClusterPrimary primary, string target)
    {
        var started = new TaskCompletionSource<Worker>(TaskCreationOptions.RunContinuationsAsynchronously);
        primary.Message += (worker, message) =>
        {
            if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("request", out var r) && r.GetString() == target)
                started.TrySetResult(worker);
        };
        return started.Task;
    }
}
