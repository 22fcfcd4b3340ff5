using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Workbook.Processes;

/// <summary>
/// The forked child's side of the channel — Node's <c>process.send</c>, <c>process.on('message')</c>,
/// <c>process.connected</c>. In a process that was not forked, <see cref="IsConnected"/> is false and sending throws.
/// </summary>
public static class ParentProcess
{
    private static readonly Lazy<MessageChannel?> Channel = new(Open);

    /// <summary>
    /// When the parent goes away (its end of the channel closes), this process exits with code 0 — so a parent
    /// that crashes or is killed leaves no orphan. Set to false to handle <see cref="Disconnected"/> yourself.
    /// </summary>
    public static bool ExitOnDisconnect { get; set; } = true;

    /// <summary>True while the channel to the parent is open.</summary>
    public static bool IsConnected => Channel.Value?.IsConnected ?? false;

    /// <summary>Node's <c>process.send(message)</c>: sends any JSON-serializable value to the parent; returns at once.</summary>
    /// <exception cref="InvalidOperationException">This process was not forked.</exception>
    /// <exception cref="ChannelClosedException">The channel is closed (<c>ERR_IPC_CHANNEL_CLOSED</c>).</exception>
    [RequiresUnreferencedCode(MessageChannel.ReflectionJson), RequiresDynamicCode(MessageChannel.ReflectionJson)]
    public static void Send(object? message) => Require().Send(message);

    /// <summary>
    /// The same, serialized with source-generated type information (a <c>JsonSerializerContext</c>'s property for
    /// <typeparamref name="T"/>): no reflection, so it works in a trimmed or Native AOT program.
    /// </summary>
    public static void Send<T>(T message, JsonTypeInfo<T> type) => Require().Send(message, type);

    /// <summary>A message already written as JSON (the libraries' own protocols; no reflection).</summary>
    internal static void Send(EncodedMessage message) => Require().Send(message);

    /// <summary>Node's <c>process.on('message')</c>: a value the parent sent. Kept until the first listener.</summary>
    public static event Action<JsonElement>? Message
    {
        add
        {
            if (value is not null) Channel.Value?.Subscribe(value);
        }
        remove
        {
            if (value is not null) Channel.Value?.Unsubscribe(value);
        }
    }

    /// <summary>The parent's messages as an async stream, until the channel closes.</summary>
    public static IAsyncEnumerable<JsonElement> Messages(CancellationToken cancellationToken = default) =>
        Require().ReadAllAsync(cancellationToken);

    /// <summary>Node's <c>process.on('disconnect')</c>: the channel closed (the parent disconnected or is gone).</summary>
    public static event Action? Disconnected
    {
        add => Channel.Value?.Disconnected.Add(value);
        remove => Channel.Value?.Disconnected.Remove(value);
    }

    /// <summary>Something that is not a message arrived from the parent; it was skipped. Reported on stderr when nobody listens.</summary>
    public static event Action<Exception>? Error;

    /// <summary>Node's <c>process.disconnect()</c>: closes the channel from this side (this does not exit).</summary>
    /// <exception cref="ChannelClosedException">The channel is closed already: disconnected before, or the parent is gone (<c>ERR_IPC_DISCONNECTED</c>).</exception>
    /// <exception cref="InvalidOperationException">This process was not forked, so it has no channel (Node has no <c>process.disconnect</c> then).</exception>
    public static void Disconnect() => Require().Disconnect();

    /// <summary>Messages of a library's own protocol from the parent (see <see cref="MessageChannel.InternalMarker"/>).</summary>
    internal static void SubscribeInternal(Action<JsonElement> handler) => Require().SubscribeInternal(handler);

    /// <summary>Opens the channel now; the startup hook calls it before the program's Main.</summary>
    internal static void Initialize() => _ = Channel.Value;

    private static MessageChannel Require() =>
        Channel.Value ?? throw new InvalidOperationException("This process has no parent channel: it was not started with ChildProcess.Fork.");

    private static MessageChannel? Open()
    {
        var fdText = Environment.GetEnvironmentVariable(ChildProcess.ChannelFdVariable);
        if (!int.TryParse(fdText, out var fd)) return null;
        // Not handed on to this process's own children, as Node deletes NODE_CHANNEL_FD.
        Environment.SetEnvironmentVariable(ChildProcess.ChannelFdVariable, null);
        ForgetStartupHook();

        Socket socket;
        try
        {
            socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        }
        catch (SocketException)
        {
            return null; // the variable was inherited, the socket was not
        }
        return new MessageChannel(socket, "parent", ReportError, afterDisconnect: byPeer =>
        {
            if (byPeer && ExitOnDisconnect) Environment.Exit(0);
        });
    }

    private static void ReportError(Exception error)
    {
        var handlers = Error;
        if (handlers is null) Console.Error.WriteLine(error.Message);
        else HandlerFailures.Run("ParentProcess.Error handler", () => handlers(error));
    }

    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "Empty in a single-file or Native AOT program, which no hook names: nothing to forget.")]
    private static void ForgetStartupHook()
    {
        var hooks = Environment.GetEnvironmentVariable(ChildProcess.StartupHooksVariable);
        if (hooks is null) return;
        var self = typeof(ParentProcess).Assembly.Location;
        var rest = hooks.Split(Path.PathSeparator).Where(h => h != self).ToArray();
        Environment.SetEnvironmentVariable(ChildProcess.StartupHooksVariable, rest.Length == 0 ? null : string.Join(Path.PathSeparator, rest));
    }
}
