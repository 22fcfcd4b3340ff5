using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace Workbook.Cluster.AspNetCore;

public static class SharedStoreCacheExtensions
{
    /// <summary>
    /// Makes the primary's shared store this app's <see cref="IDistributedCache"/> (for sessions, output caching…).
    /// In a process that is not a cluster worker there is no primary: the cache is in this process's memory, which
    /// is all a lone process needs.
    /// </summary>
    public static IServiceCollection AddSharedStoreCache(this IServiceCollection services)
    {
        if (!Cluster.IsWorker) return services.AddDistributedMemoryCache();
        return services.AddSingleton<IDistributedCache>(_ => new SharedStoreCache(Cluster.Store));
    }
}
