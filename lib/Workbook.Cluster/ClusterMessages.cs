using Workbook.Processes;

namespace Workbook.Cluster;

/// <summary>The cluster's own messages on the fork channel (never shown to the user's Message handlers).</summary>
internal static class ClusterMessages
{
    public const string Marker = MessageChannel.InternalMarker;
    public const string Online = "cluster-online";
    public const string Listening = "cluster-listening";
    public const string Disconnect = "cluster-disconnect";

    public static object Make(string kind, int? port = null) => port is null
        ? new Dictionary<string, object> { [Marker] = kind }
        : new Dictionary<string, object> { [Marker] = kind, ["port"] = port.Value };
}
