namespace Workbook.Cluster;

/// <summary>
/// A key/value store every worker of a cluster sees the same way — the notes' "dedicated process with a read/write
/// API for all other workers". Two implementations: <see cref="SharedStore"/> in the primary (what
/// <see cref="ClusterPrimary.Store"/> holds), and the worker's client for it (<see cref="Cluster.Store"/>), which
/// sends each call to the primary over the worker's channel. Values are strings; keys are case-sensitive.
/// </summary>
public interface ISharedStore
{
    /// <summary>The value, or null when the key is absent or expired. Reading renews a sliding expiry.</summary>
    Task<string?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Sets the value. With <paramref name="expiry"/> the key disappears that long after this call (or, when sliding, after its last read).</summary>
    Task SetAsync(string key, string value, StoreExpiry? expiry = null, CancellationToken cancellationToken = default);

    /// <summary>Removes the key; true when it was there.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds <paramref name="by"/> to the integer stored at the key (an absent key counts as 0) and returns the new
    /// value, atomically: increments from many workers at once add up exactly. The key keeps its expiry.
    /// </summary>
    /// <exception cref="SharedStoreException">The key holds something that is not an integer.</exception>
    Task<long> IncrementAsync(string key, long by = 1, CancellationToken cancellationToken = default);

    /// <summary>Renews a sliding expiry without reading the value; false when the key is absent.</summary>
    Task<bool> RefreshAsync(string key, CancellationToken cancellationToken = default);
}
