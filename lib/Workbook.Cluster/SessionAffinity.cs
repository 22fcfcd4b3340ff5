namespace Workbook.Cluster;

/// <summary>
/// Sticky routing in the round-robin primary: which worker a new connection goes to when the client was here
/// before. Node's cluster has none; the npm packages that add it hash the client's IP. Either way, a client whose
/// worker is gone (crashed, restarted) goes to another one — and loses what only that worker's memory held.
/// </summary>
public enum SessionAffinity
{
    /// <summary>Plain round-robin: every connection goes to the next worker.</summary>
    None,

    /// <summary>
    /// By a hash of the client's IP address: the same address always reaches the same worker (while it lives).
    /// Every client behind one proxy or NAT has one address, so they all land on one worker.
    /// </summary>
    ClientIp,

    /// <summary>
    /// By cookie: each worker sets <see cref="ClusterSettings.AffinityCookieName"/> naming itself on its responses;
    /// the primary reads the first request of each new connection before handing it over (reading without
    /// consuming: the worker still receives every byte) and sends a connection that carries the cookie of a live
    /// worker to that worker. Clients without it (new ones) go round-robin.
    /// The decision is per connection, made on its first request: a keep-alive connection that a proxy shares
    /// between many browsers carries them all to the worker its first request chose. Behind such a proxy, make the
    /// proxy sticky instead (nginx, HAProxy and YARP all can).
    /// </summary>
    Cookie,
}
