using System.Buffers;
using System.Text.Json;
using Workbook.Processes;

namespace Workbook.Cluster;

/// <summary>The cluster's own messages on the fork channel (never shown to the user's Message handlers).</summary>
internal static class ClusterMessages
{
    public const string Marker = MessageChannel.InternalMarker;
    public const string Online = "cluster-online";
    public const string Listening = "cluster-listening";
    public const string Disconnect = "cluster-disconnect";

    /// <summary>{"$wb": kind} or {"$wb": kind, "port": port}, written without the reflection-based serializer (see <see cref="EncodedMessage"/>).</summary>
    public static object Make(string kind, int? port = null)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString(Marker, kind);
            if (port is int p) json.WriteNumber("port", p);
            json.WriteEndObject();
        }
        return new EncodedMessage(buffer.WrittenSpan.ToArray());
    }
}
