using System.Net;

namespace Workbook.Cluster;

/// <summary>A worker's view of its cluster, read from the variables the primary set.</summary>
internal sealed record WorkerSettings(int Id, SchedulingPolicy Policy, IPAddress Address, int Port, TimeSpan DisconnectTimeout, string? AffinityCookie = null)
{
    public static WorkerSettings? FromEnvironment()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable(Cluster.WorkerIdVariable), out var id)) return null;
        var policy = Environment.GetEnvironmentVariable(Cluster.PolicyVariable) switch
        {
            "reuse-port" => SchedulingPolicy.ReusePort,
            "shared" => SchedulingPolicy.Shared,
            _ => SchedulingPolicy.RoundRobin,
        };
        var address = IPAddress.TryParse(Environment.GetEnvironmentVariable(Cluster.AddressVariable), out var a) ? a : IPAddress.Loopback;
        var port = int.TryParse(Environment.GetEnvironmentVariable(Cluster.PortVariable), out var p) ? p : 0;
        var disconnectTimeout = int.TryParse(Environment.GetEnvironmentVariable(Cluster.DisconnectTimeoutVariable), out var ms) ? TimeSpan.FromMilliseconds(ms) : TimeSpan.FromSeconds(10);
        var cookie = Environment.GetEnvironmentVariable(Cluster.AffinityCookieVariable) is { Length: > 0 } name ? name : null;
        // Not handed on to this worker's own children: they are not workers.
        foreach (var v in new[] { Cluster.WorkerIdVariable, Cluster.PolicyVariable, Cluster.AddressVariable, Cluster.PortVariable, Cluster.DisconnectTimeoutVariable, Cluster.AffinityCookieVariable })
            Environment.SetEnvironmentVariable(v, null);
        return new WorkerSettings(id, policy, address, port, disconnectTimeout, cookie);
    }
}
