namespace Workbook.Notebooks;

/// <summary>
/// The Redis-protocol server the session chapters keep sessions in: the Redis that <c>REDIS_URL</c> names, or else
/// examples/RedisServer (Garnet, embedded) started now and stopped on dispose.
/// </summary>
public sealed class RedisStore : IAsyncDisposable
{
    private RedisStore(string url, RunningExample? garnet)
    {
        Url = url;
        Garnet = garnet;
    }

    /// <summary><c>HOST:PORT</c>, as StackExchange.Redis (and the Sessions app's <c>--redis-url</c>) takes it.</summary>
    public string Url { get; }

    /// <summary>The Garnet process this started; null when <c>REDIS_URL</c> named a server.</summary>
    public RunningExample? Garnet { get; }

    /// <summary>Uses <c>REDIS_URL</c> when it is set, else starts Garnet on a free port.</summary>
    public static async Task<RedisStore> StartAsync()
    {
        var url = Environment.GetEnvironmentVariable("REDIS_URL");
        if (!string.IsNullOrWhiteSpace(url)) return new RedisStore(url, null);
        var garnet = await RunningExample.StartAsync("RedisServer", ["--port", "0"]).ConfigureAwait(false);
        return new RedisStore(garnet.Url, garnet);
    }

    /// <summary>Stops Garnet if this started it (a Redis from <c>REDIS_URL</c> is left alone); what became of it, for the cell.</summary>
    public async Task<string> StopAsync() =>
        Garnet is null ? $"the Redis at REDIS_URL ({Url}) was left running" : $"Garnet: {await Garnet.StopAsync().ConfigureAwait(false)}";

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <inheritdoc />
    public override string ToString() =>
        Garnet is null ? $"the Redis at REDIS_URL, {Url}" : $"Garnet (Redis protocol), pid {Garnet.Pid}, at {Url}";
}
