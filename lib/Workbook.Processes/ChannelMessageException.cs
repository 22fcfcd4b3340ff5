namespace Workbook.Processes;

/// <summary>Something arrived on the IPC channel that is not a message (not JSON, or too long). It was skipped.</summary>
public sealed class ChannelMessageException(string peer, string problem, string received)
    : Exception($"Malformed message from {peer}: {problem}." + (received.Length > 0 ? $" Received: {received}" : ""))
{
    /// <summary>The start of what arrived (at most 200 bytes).</summary>
    public string Received { get; } = received;
}
