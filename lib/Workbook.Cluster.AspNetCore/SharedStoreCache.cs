using Microsoft.Extensions.Caching.Distributed;

namespace Workbook.Cluster.AspNetCore;

/// <summary>
/// <see cref="IDistributedCache"/> over the primary's shared store, so what ASP.NET Core keeps in a distributed
/// cache — <c>HttpContext.Session</c> among it — is the same for every worker and survives a worker's restart.
/// Values travel base64-encoded (the store holds strings).
/// </summary>
public sealed class SharedStoreCache(ISharedStore store) : IDistributedCache
{
    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default) =>
        await store.GetAsync(key, token).ConfigureAwait(false) is { } text ? Convert.FromBase64String(text) : null;

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        store.SetAsync(key, Convert.ToBase64String(value), Expiry(options), token);

    public void Refresh(string key) => RefreshAsync(key).GetAwaiter().GetResult();

    public Task RefreshAsync(string key, CancellationToken token = default) => store.RefreshAsync(key, token);

    public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();

    public Task RemoveAsync(string key, CancellationToken token = default) => store.DeleteAsync(key, token);

    /// <summary>
    /// The store keeps one expiry per key: a sliding one when given (what sessions use), else the absolute one.
    /// Both together: the sliding one, so an entry may outlive its absolute limit while it is in use.
    /// </summary>
    private static StoreExpiry? Expiry(DistributedCacheEntryOptions options)
    {
        if (options.SlidingExpiration is TimeSpan sliding) return StoreExpiry.SlidingBy(sliding);
        if (options.AbsoluteExpirationRelativeToNow is TimeSpan relative) return StoreExpiry.In(relative);
        if (options.AbsoluteExpiration is DateTimeOffset at)
        {
            var left = at - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), at, "The absolute expiration is in the past.");
            return StoreExpiry.In(left);
        }
        return null;
    }
}
