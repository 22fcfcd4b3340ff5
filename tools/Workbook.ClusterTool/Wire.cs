using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Workbook.ClusterTool;

/// <summary>
/// The CLI-to-daemon protocol on the Unix domain socket: one JSON object per line each way, a request then its
/// reply ({"ok": true, …} or {"ok": false, "error": "…"}). A line over <see cref="MaxLine"/> bytes, or one that is not a
/// JSON object, is refused with an error reply.
/// </summary>
internal static class Wire
{
    public const int MaxLine = 1 << 20;

    public static async Task WriteAsync(Stream stream, JsonObject message, CancellationToken cancellationToken = default)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(message.ToJsonString() + "\n"), cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>The next line as a JSON object; null at the end of the stream; throws <see cref="InvalidDataException"/> for a bad line.</summary>
    public static async Task<JsonObject?> ReadAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var line = new MemoryStream();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0) return line.Length == 0 ? null : throw new InvalidDataException("the message ended without a newline");
            if (one[0] == (byte)'\n') break;
            if (line.Length == MaxLine) throw new InvalidDataException($"a message is at most {MaxLine} bytes");
            line.WriteByte(one[0]);
        }
        try
        {
            return JsonNode.Parse(line.ToArray()) as JsonObject ?? throw new InvalidDataException("a message is a JSON object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"a message is one line of JSON: {e.Message}");
        }
    }

    public static JsonObject Ok(JsonObject? data = null)
    {
        var reply = new JsonObject { ["ok"] = true };
        foreach (var (key, value) in data ?? []) reply[key] = value?.DeepClone();
        return reply;
    }

    public static JsonObject Error(string message) => new() { ["ok"] = false, ["error"] = message };

    public static async Task<Socket> ConnectAsync(string socketPath, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
