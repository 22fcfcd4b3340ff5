namespace Workbook.LoadTesting;

/// <summary>How requests use connections. Cluster balancing is per connection, so this matters.</summary>
public enum ConnectionMode
{
    /// <summary>Each client keeps one connection open and reuses it (ab -k, wrk).</summary>
    KeepAlive,

    /// <summary>Every request opens a new connection and the server closes it after answering (ab without -k).</summary>
    NewPerRequest,
}
