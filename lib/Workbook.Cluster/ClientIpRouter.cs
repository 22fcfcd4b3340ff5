using System.Net;
using System.Net.Sockets;

namespace Workbook.Cluster;

/// <summary>
/// By client IP: a hash of the address picks one of the cluster's places (<see cref="Worker.Place"/>), so a client
/// keeps reaching the worker in that place. While no worker listens there (it crashed and waits for its restart, or
/// gave up), the same hash picks one of the workers that do, so the client still sees one worker rather than a new
/// one per connection.
/// </summary>
internal sealed class ClientIpRouter(RoundRobinHandle handle, Func<int> places) : AffinityRouter
{
    public override void Route(Socket connection)
    {
        int count = places();
        if (count == 0 || connection.RemoteEndPoint is not IPEndPoint remote)
        {
            handle.Dispatch(connection, preferred: null);
            return;
        }
        var hash = Hash(remote.Address);
        int place = (int)(hash % (uint)count) + 1;
        handle.Dispatch(connection, h => h.Place == place, spread: hash);
    }

    /// <summary>
    /// FNV-1a over the address bytes, then a final mix (MurmurHash3's) so the low bits depend on every bit of the
    /// address: without it, "hash mod 2" is just the parity of the octets. Stable across runs and processes.
    /// </summary>
    internal static uint Hash(IPAddress address)
    {
        uint hash = 2166136261;
        foreach (var b in address.GetAddressBytes()) hash = (hash ^ b) * 16777619;
        hash ^= hash >> 16;
        hash *= 0x85ebca6b;
        hash ^= hash >> 13;
        hash *= 0xc2b2ae35;
        hash ^= hash >> 16;
        return hash;
    }
}
