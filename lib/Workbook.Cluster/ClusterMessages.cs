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
    public static EncodedMessage Make(string kind, int? port = null) =>
        Encode(port is int p ? new Dictionary<string, object?> { [Marker] = kind, ["port"] = p } : new Dictionary<string, object?> { [Marker] = kind });

    /// <summary>A flat message of strings, numbers, booleans and nulls (the cluster's own and the store's), written without reflection.</summary>
    public static EncodedMessage Encode(IReadOnlyDictionary<string, object?> message)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (name, value) in message)
            {
                switch (value)
                {
                    case null: json.WriteNull(name); break;
                    case string s: json.WriteString(name, s); break;
                    case bool b: json.WriteBoolean(name, b); break;
                    case long l: json.WriteNumber(name, l); break;
                    case int i: json.WriteNumber(name, i); break;
                    case double d: json.WriteNumber(name, d); break;
                    default: throw new ArgumentException($"'{name}' is a {value.GetType().Name}: a flat message holds strings, numbers, booleans and nulls.", nameof(message));
                }
            }
            json.WriteEndObject();
        }
        return new EncodedMessage(buffer.WrittenSpan.ToArray());
    }
}
