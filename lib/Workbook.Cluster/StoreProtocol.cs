using System.Text.Json;
using Workbook.Processes;

namespace Workbook.Cluster;

/// <summary>
/// The shared store's messages on a worker's channel. A request: <c>{"$wb":"store","id":7,"op":"incr","key":"hits","by":1}</c>
/// (ops: get, set, delete, incr, refresh; set has "value", and "expiryMs" with "sliding" when it expires). The reply
/// carries the same id and "value", "number" or "found" — or "error", for a request the store refused.
/// </summary>
internal static class StoreProtocol
{
    public const string Request = "store";
    public const string Reply = "store-reply";

    public static Dictionary<string, object?> MakeRequest(long id, string op, string key) => new()
    {
        [ClusterMessages.Marker] = Request,
        ["id"] = id,
        ["op"] = op,
        ["key"] = key,
    };

    /// <summary>Runs one request against the store and returns the reply; a malformed request gets an error reply, not an exception.</summary>
    public static EncodedMessage Serve(SharedStore store, JsonElement request)
    {
        long id = request.TryGetProperty("id", out var idElement) && idElement.TryGetInt64(out var n) ? n : -1;
        var reply = new Dictionary<string, object?> { [ClusterMessages.Marker] = Reply, ["id"] = id };
        try
        {
            if (id < 0) throw new SharedStoreException("The store request has no numeric \"id\".");
            var op = String(request, "op") ?? throw new SharedStoreException("The store request has no \"op\".");
            var key = String(request, "key") ?? throw new SharedStoreException($"The store request '{op}' has no \"key\".");
            switch (op)
            {
                case "get":
                    reply["value"] = store.Get(key);
                    break;
                case "set":
                    var value = String(request, "value") ?? throw new SharedStoreException($"'set {key}' has no \"value\".");
                    StoreExpiry? expiry = null;
                    if (request.TryGetProperty("expiryMs", out var ms))
                    {
                        if (ms.ValueKind != JsonValueKind.Number || !ms.TryGetDouble(out var millis) || !double.IsFinite(millis))
                            throw new SharedStoreException($"'set {key}': \"expiryMs\" must be a number of milliseconds.");
                        if (millis < 1) throw new SharedStoreException($"'set {key}': the expiry must be positive (at least 1 ms).");
                        var after = millis >= TimeSpan.MaxValue.TotalMilliseconds ? TimeSpan.MaxValue : TimeSpan.FromMilliseconds(millis);
                        expiry = new StoreExpiry(after, request.TryGetProperty("sliding", out var s) && s.ValueKind == JsonValueKind.True);
                    }
                    store.Set(key, value, expiry);
                    break;
                case "delete":
                    reply["found"] = store.Delete(key);
                    break;
                case "incr":
                    long by = 1;
                    if (request.TryGetProperty("by", out var b) && (b.ValueKind != JsonValueKind.Number || !b.TryGetInt64(out by)))
                        throw new SharedStoreException($"'incr {key}': \"by\" must be a whole number.");
                    reply["number"] = store.Increment(key, by);
                    break;
                case "refresh":
                    reply["found"] = store.Refresh(key);
                    break;
                default:
                    throw new SharedStoreException($"Unknown store operation '{op}' (get, set, delete, incr, refresh).");
            }
        }
        catch (OverflowException)
        {
            reply["error"] = "The increment overflows a 64-bit integer.";
        }
        catch (Exception e) when (e is SharedStoreException or ArgumentException or InvalidOperationException)
        {
            reply["error"] = e.Message;
        }
        return ClusterMessages.Encode(reply);
    }

    private static string? String(JsonElement request, string name) =>
        request.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
}
