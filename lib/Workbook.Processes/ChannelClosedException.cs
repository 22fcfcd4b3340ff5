namespace Workbook.Processes;

/// <summary>
/// The IPC channel is closed, so the call cannot be done: <see cref="Code"/> is Node's name for it —
/// <c>ERR_IPC_CHANNEL_CLOSED</c> for a message sent on a closed channel, <c>ERR_IPC_DISCONNECTED</c> for a second
/// disconnect (or one after the other side went away).
/// </summary>
public sealed class ChannelClosedException : InvalidOperationException
{
    /// <summary>Node's code for a message sent on a closed channel.</summary>
    public const string ChannelClosed = "ERR_IPC_CHANNEL_CLOSED";

    /// <summary>Node's code for disconnecting a channel that is closed already.</summary>
    public const string Disconnected = "ERR_IPC_DISCONNECTED";

    internal ChannelClosedException(string code, string explanation, Exception? inner = null)
        : base($"{explanation} ({code})", inner) => Code = code;

    /// <summary><see cref="ChannelClosed"/> or <see cref="Disconnected"/>.</summary>
    public string Code { get; }
}
