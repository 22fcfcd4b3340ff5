using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Workbook.Processes.Native;

namespace Workbook.Processes;

// The channel is a socketpair whose child end is placed at fd 3 by posix_spawn; System.Diagnostics.Process
// cannot give a child any descriptor beyond stdio.
public sealed partial class ChildProcess
{
    /// <summary>Environment variable that tells a forked child which fd its channel is on (Node: NODE_CHANNEL_FD).</summary>
    public const string ChannelFdVariable = "WORKBOOK_CHANNEL_FD";

    private MessageChannel? _channel;

    /// <summary>
    /// Node's <c>fork(modulePath, args, options)</c>: starts a .NET program (a built <c>.dll</c>, run with the
    /// current <c>dotnet</c>; any other file, such as a Native AOT build, is run as an executable) with an IPC
    /// channel. Exchange messages with <see cref="Send(object?)"/> and <see cref="Message"/>; in the child, with
    /// <see cref="ParentProcess"/>. A .dll child exits when its parent goes away, so killing the parent leaves no
    /// orphan (a startup hook opens its channel before <c>Main</c>); an executable does so once it uses its channel.
    /// </summary>
    public static ChildProcess Fork(string modulePath, IEnumerable<string>? args = null, ForkOptions? options = null) =>
        ForkCore(modulePath, args, options ?? new ForkOptions(), [], null);

    /// <summary>
    /// Fork, with more descriptors for the child (<c>Fd</c> here, at <c>As</c> ≥ 4 there; the caller keeps and
    /// closes its own) and more variables. The cluster passes a listening socket or a hand-off socket this way.
    /// </summary>
    internal static ChildProcess ForkCore(string modulePath, IEnumerable<string>? args, ForkOptions options,
        IReadOnlyList<(int Fd, int As)> inherit, IReadOnlyDictionary<string, string>? extraEnv)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modulePath);
        var program = Path.GetFullPath(modulePath, FullCwd(options.Cwd) ?? Environment.CurrentDirectory);
        var argList = args?.ToList() ?? [];
        // Node's execPath, decided by the file: a .dll runs on the current dotnet host; anything else (a Native AOT
        // build, a script) runs as it is, and finds its channel the same way.
        bool managed = program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        if (!managed && options.ExecArgv.Count > 0)
            throw new ArgumentException($"ExecArgv is for the dotnet host, and '{program}' is not a .dll: it runs as an executable of its own.", nameof(options));
        var file = managed ? DotnetHost() : program;
        List<string> fileArgs = managed ? [.. options.ExecArgv, program, .. argList] : argList;
        if (!File.Exists(program))
        {
            var failed = new ChildProcess(file, [file, .. fileArgs], options.Logger);
            failed.Fail(new SpawnException(modulePath, [file, .. fileArgs], errno: 2, $"the program '{program}' does not exist (build it first?)."), options.Stdio);
            return failed;
        }

        var (parentEnd, childEnd) = CreateChannelSockets();
        var env = new Dictionary<string, string>(extraEnv ?? new Dictionary<string, string>()) { [ChannelFdVariable] = ChildChannelFd.ToString() };
        var hook = HookAssembly();
        if (hook.Length > 0)
        {
            // The hook opens the channel before the child's Main, so the child leaves with its parent even if
            // its code never touches ParentProcess.
            var existing = env.GetValueOrDefault(StartupHooksVariable)
                ?? (options.Env is null ? Environment.GetEnvironmentVariable(StartupHooksVariable) : options.Env.GetValueOrDefault(StartupHooksVariable));
            env[StartupHooksVariable] = string.IsNullOrEmpty(existing) ? hook : existing + Path.PathSeparator + hook;
        }

        // Copies above the low numbers, so no dup2 in the child overwrites a descriptor another dup2 still reads.
        var copies = inherit.Select(f => (Fd: DuplicateHigh(f.Fd), f.As)).ToList();
        ChildProcess child;
        try
        {
            var spawnOptions = new SpawnOptions { Cwd = options.Cwd, Env = options.Env, Stdio = options.Stdio, Logger = options.Logger };
            child = SpawnCore(file, fileArgs, spawnOptions, new LaunchExtras(Fds: [(childEnd, ChildChannelFd), .. copies], ExtraEnv: env));
        }
        finally
        {
            Libc.close(childEnd);
            foreach (var copy in copies) Libc.close(copy.Fd);
        }

        if (child.Pid is null)
        {
            Libc.close(parentEnd);
            return child;
        }
        var socket = new Socket(new SafeSocketHandle(parentEnd, ownsHandle: true));
        child._channel = new MessageChannel(socket, $"child {child.Pid}", child.RaiseError);
        return child;
    }

    internal const string StartupHooksVariable = "DOTNET_STARTUP_HOOKS";

    /// <summary>True while the channel to a forked child is open (Node's <c>connected</c>).</summary>
    public bool Connected => _channel?.IsConnected ?? false;

    /// <summary>
    /// Node's <c>child.send(message)</c>: sends any JSON-serializable value (web defaults: camelCase names).
    /// Returns at once; messages go out in order.
    /// </summary>
    /// <exception cref="InvalidOperationException">The child was not forked.</exception>
    /// <exception cref="ChannelClosedException">The channel is closed (<c>ERR_IPC_CHANNEL_CLOSED</c>).</exception>
    [RequiresUnreferencedCode(MessageChannel.ReflectionJson), RequiresDynamicCode(MessageChannel.ReflectionJson)]
    public void Send(object? message) => RequireChannel().Send(message);

    /// <summary>
    /// The same, serialized with source-generated type information (a <c>JsonSerializerContext</c>'s property for
    /// <typeparamref name="T"/>): no reflection, so it works in a trimmed or Native AOT program.
    /// </summary>
    public void Send<T>(T message, JsonTypeInfo<T> type) => RequireChannel().Send(message, type);

    /// <summary>A message already written as JSON (the libraries' own protocols; no reflection).</summary>
    internal void Send(EncodedMessage message) => RequireChannel().Send(message);

    /// <summary>
    /// Node's <c>'message'</c>: a value the child sent with <c>ParentProcess.Send</c>, as JSON. Messages that
    /// arrive before anyone listens are kept for the first listener. Read fields with <c>GetProperty</c>, or
    /// <c>Deserialize&lt;T&gt;(JsonSerializerOptions.Web)</c>.
    /// </summary>
    public event Action<JsonElement>? Message
    {
        add
        {
            if (value is not null) _channel?.Subscribe(value);
        }
        remove
        {
            if (value is not null) _channel?.Unsubscribe(value);
        }
    }

    /// <summary>The child's messages as an async stream, from now (or from the start, if nobody listened yet) until the channel closes.</summary>
    public IAsyncEnumerable<JsonElement> Messages(CancellationToken cancellationToken = default) =>
        RequireChannel().ReadAllAsync(cancellationToken);

    /// <summary>
    /// The next message from the child (Node: <c>await once(child, 'message')</c>); the first one, if nobody
    /// listened yet. Throws when the channel closes first — a child that crashed at start-up, for example.
    /// </summary>
    public async Task<JsonElement> NextMessageAsync(CancellationToken cancellationToken = default)
    {
        await foreach (var message in Messages(cancellationToken).ConfigureAwait(false)) return message;
        // The channel closes as the child dies; its exit status follows a moment later.
        await Task.WhenAny(Exited, Task.Delay(TimeSpan.FromSeconds(1), cancellationToken)).ConfigureAwait(false);
        var exit = Exited.IsCompletedSuccessfully ? $" (it exited with {Exited.Result})" : "";
        throw new InvalidOperationException($"The channel to {SpawnFile} {string.Join(' ', SpawnArgs.Skip(1))} closed before a message arrived{exit}.");
    }

    /// <summary>Node's <c>'disconnect'</c>: the channel closed, from either side (the child exiting closes it too).</summary>
    public event Action? Disconnected
    {
        add => _channel?.Disconnected.Add(value);
        remove => _channel?.Disconnected.Remove(value);
    }

    /// <summary>Node's <c>child.disconnect()</c>: closes the channel; a forked child then exits by default.</summary>
    /// <exception cref="ChannelClosedException">
    /// The channel is closed already — by an earlier <c>Disconnect()</c>, or because the child exited (Node's
    /// <c>ERR_IPC_DISCONNECTED</c>). Check <see cref="Connected"/> first when either may have happened.
    /// </exception>
    /// <exception cref="InvalidOperationException">The child was not forked, so it has no channel.</exception>
    public void Disconnect() => RequireChannel().Disconnect();

    /// <summary>Messages of a library's own protocol (see <see cref="MessageChannel.InternalMarker"/>).</summary>
    internal void SubscribeInternal(Action<JsonElement> handler) => RequireChannel().SubscribeInternal(handler);

    /// <summary>This assembly's file, the startup hook a forked .NET child loads; empty when this program is single-file or Native AOT.</summary>
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "Empty is handled: the child then opens its channel when its code first uses ParentProcess.")]
    private static string HookAssembly() => typeof(ChildProcess).Assembly.Location;

    private MessageChannel RequireChannel() =>
        _channel ?? throw new InvalidOperationException($"{SpawnFile} has no message channel: only children started with Fork have one.");

    private static unsafe (int Parent, int Child) CreateChannelSockets()
    {
        int* fds = stackalloc int[2];
        if (Libc.socketpair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0, fds) != 0)
            throw new ErrnoException(Marshal.GetLastPInvokeError(), "socketpair");
        // Move the child's end above the low numbers, so dup2 onto fd 3 is never a no-op that keeps close-on-exec.
        try
        {
            return (fds[0], DuplicateHigh(fds[1]));
        }
        catch
        {
            Libc.close(fds[0]);
            throw;
        }
        finally
        {
            Libc.close(fds[1]);
        }
    }

    /// <summary>A close-on-exec copy of <paramref name="fd"/> numbered 10 or more.</summary>
    private static int DuplicateHigh(int fd)
    {
        int high = Libc.fcntl(fd, Libc.F_DUPFD_CLOEXEC, 10);
        if (high < 0) throw new ErrnoException(Marshal.GetLastPInvokeError(), "fcntl(F_DUPFD_CLOEXEC)");
        return high;
    }

    /// <summary>The <c>dotnet</c> that runs this process (Node's <c>process.execPath</c>).</summary>
    private static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var host = Path.Combine(root, "dotnet");
        return File.Exists(host) ? host : "dotnet";
    }
}
