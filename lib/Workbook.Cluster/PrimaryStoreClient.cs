using System.Collections.Concurrent;
using System.Text.Json;
using Workbook.Processes;

namespace Workbook.Cluster;

/// <summary>
/// A worker's handle on the primary's <see cref="SharedStore"/>: each call is a message to the primary and a reply
/// (matched by id), so it costs a round trip between processes. Calls fail with <see cref="SharedStoreException"/>
/// when the primary refuses them, does not answer within <see cref="Timeout"/>, or is gone. A call that timed out
/// or was cancelled may still have been applied: retrying an increment can count it twice.
/// </summary>
internal sealed class PrimaryStoreClient : ISharedStore
{
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonElement>> _waiting = new();
    private long _nextId;

    public PrimaryStoreClient()
    {
        ParentProcess.SubscribeInternal(message =>
        {
            if (message.GetProperty(ClusterMessages.Marker).GetString() != StoreProtocol.Reply) return;
            if (message.TryGetProperty("id", out var id) && id.TryGetInt64(out var n) && _waiting.TryRemove(n, out var call))
                call.TrySetResult(message.Clone());
        });
        ParentProcess.Disconnected += () =>
        {
            foreach (var id in _waiting.Keys)
                if (_waiting.TryRemove(id, out var call)) call.TrySetException(new SharedStoreException("The primary is gone: the shared store cannot be reached."));
        };
    }

    /// <summary>How long a call waits for the primary's reply.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    public async Task<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync("get", key, null, cancellationToken).ConfigureAwait(false);
        return reply.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    public Task SetAsync(string key, string value, StoreExpiry? expiry = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        expiry?.Validate();
        return CallAsync("set", key, request =>
        {
            request["value"] = value;
            if (expiry is not null)
            {
                request["expiryMs"] = expiry.After.TotalMilliseconds;
                request["sliding"] = expiry.Sliding;
            }
        }, cancellationToken);
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        Found(await CallAsync("delete", key, null, cancellationToken).ConfigureAwait(false));

    public async Task<long> IncrementAsync(string key, long by = 1, CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync("incr", key, request => request["by"] = by, cancellationToken).ConfigureAwait(false);
        return reply.GetProperty("number").GetInt64();
    }

    public async Task<bool> RefreshAsync(string key, CancellationToken cancellationToken = default) =>
        Found(await CallAsync("refresh", key, null, cancellationToken).ConfigureAwait(false));

    private static bool Found(JsonElement reply) => reply.TryGetProperty("found", out var f) && f.ValueKind == JsonValueKind.True;

    private async Task<JsonElement> CallAsync(string op, string key, Action<Dictionary<string, object?>>? fill, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var id = Interlocked.Increment(ref _nextId);
        var request = StoreProtocol.MakeRequest(id, op, key);
        fill?.Invoke(request);
        var call = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[id] = call;
        try
        {
            try
            {
                ParentProcess.Send(ClusterMessages.Encode(request));
            }
            catch (InvalidOperationException e)
            {
                throw new SharedStoreException("The primary is gone: the shared store cannot be reached.", e);
            }
            JsonElement reply;
            try
            {
                reply = await call.Task.WaitAsync(Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                throw new SharedStoreException($"The primary did not answer '{op} {key}' within {Timeout.TotalSeconds:0.#} s.", e);
            }
            if (reply.TryGetProperty("error", out var error)) throw new SharedStoreException($"'{op} {key}': {error.GetString()}");
            return reply;
        }
        finally
        {
            _waiting.TryRemove(id, out _);
        }
    }
}
