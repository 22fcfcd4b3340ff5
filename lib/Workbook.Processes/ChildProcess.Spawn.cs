// Processes start through posix_spawn, not System.Diagnostics.Process: Node's semantics need the exit signal
// (Process folds it into code 128+n), a new session or group for detached children, and fd 3 for the channel.
using System.Collections;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using Workbook.Processes.Native;

namespace Workbook.Processes;

public sealed partial class ChildProcess
{
    /// <summary>
    /// Where <see cref="StdioMode.Inherit"/> sends a child's output when set. A notebook sets it (see
    /// <c>Notebook.Setup</c>): the kernel's own stdout is its protocol channel, so there "the parent's output"
    /// means the cell's output. The child then gets /dev/null as stdin and pipes whose text is copied here.
    /// </summary>
    public static InheritedStdio? InheritedStdioRedirect { get; set; }

    /// <summary>
    /// Node's <c>child_process.spawn(command, args, options)</c>: starts <paramref name="command"/> with
    /// <paramref name="args"/> and returns at once. Output is streamed through <see cref="Stdout"/> and
    /// <see cref="Stderr"/>. A command that cannot be started does not throw here: <see cref="Error"/> fires
    /// with a <see cref="SpawnException"/> (e.g. <c>ENOENT</c>), and awaiting <see cref="Exited"/> throws it.
    /// </summary>
    /// <exception cref="ArgumentException">The command is empty, or an argument or variable contains a NUL.</exception>
    public static ChildProcess Spawn(string command, IEnumerable<string>? args = null, SpawnOptions? options = null) =>
        SpawnCore(command, args, options ?? new SpawnOptions(), LaunchExtras.None);

    /// <summary>Spawn without arguments, e.g. <c>Spawn("find . -type f | wc -l", new() { Shell = true })</c>.</summary>
    public static ChildProcess Spawn(string command, SpawnOptions options) => Spawn(command, null, options);

    /// <summary>
    /// What <see cref="Fork"/> and the exec family add to a plain spawn: descriptors the child inherits at fixed
    /// numbers (<c>Fd</c> in this process, placed at <c>As</c> in the child), a new process group, variables.
    /// </summary>
    internal sealed record LaunchExtras(
        IReadOnlyList<(int Fd, int As)>? Fds = null,
        bool NewProcessGroup = false,
        IReadOnlyDictionary<string, string>? ExtraEnv = null)
    {
        public static readonly LaunchExtras None = new();
    }

    /// <summary>The fd number a forked child finds its channel on, as Node uses 3 (NODE_CHANNEL_FD).</summary>
    internal const int ChildChannelFd = 3;

    internal static ChildProcess SpawnCore(string command, IEnumerable<string>? args, SpawnOptions options, LaunchExtras extras)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (string.IsNullOrWhiteSpace(command)) throw new ArgumentException("The command cannot be empty.", nameof(command));
        var argList = args?.ToList() ?? [];
        RejectNul(command, nameof(command));
        foreach (var a in argList) RejectNul(a ?? throw new ArgumentException("An argument is null.", nameof(args)), nameof(args));

        string file;
        List<string> argv;
        if (options.Shell.Enabled)
        {
            // As Node: the command and its arguments become one command line for `sh -c`.
            var line = argList.Count == 0 ? command : command + " " + string.Join(' ', argList);
            file = options.Shell.Path!;
            argv = [file, "-c", line];
        }
        else
        {
            file = command;
            argv = [command, .. argList];
        }

        var env = BuildEnvironment(options.Env);
        foreach (var (key, value) in extras.ExtraEnv ?? new Dictionary<string, string>()) env[key] = value;
        var child = new ChildProcess(file, argv, options.Logger);
        child.Start(file, argv, env, options, extras);
        return child;
    }

    private void Start(string file, List<string> argv, Dictionary<string, string> env, SpawnOptions options, LaunchExtras extras)
    {
        string? cwd = FullCwd(options.Cwd);
        if (cwd is not null && !Directory.Exists(cwd))
        {
            Fail(new SpawnException(file, argv, errno: 2, $"the working directory '{cwd}' does not exist."), options.Stdio);
            return;
        }

        var path = ResolveExecutable(file, cwd, env);
        if (path is null)
        {
            var search = (env.TryGetValue("PATH", out var p) ? p : Environment.GetEnvironmentVariable("PATH")) ?? "";
            Fail(new SpawnException(file, argv, errno: 2,
                $"no such file or directory: '{file}' was not found in any of the {search.Split(':').Length} folders on the PATH."), options.Stdio);
            return;
        }

        var redirect = options.Stdio == StdioMode.Inherit ? InheritedStdioRedirect : null;
        StdioMode[] modes = options.Stdio switch
        {
            StdioMode.Pipe => [StdioMode.Pipe, StdioMode.Pipe, StdioMode.Pipe],
            StdioMode.Ignore => [StdioMode.Ignore, StdioMode.Ignore, StdioMode.Ignore],
            _ when redirect is not null => [StdioMode.Ignore, StdioMode.Pipe, StdioMode.Pipe],
            _ => [StdioMode.Inherit, StdioMode.Inherit, StdioMode.Inherit],
        };

        StdioPipes pipes;
        try
        {
            pipes = new StdioPipes(modes);
        }
        catch (ErrnoException e)
        {
            Fail(new SpawnException(file, argv, e.Errno, e.Message), options.Stdio);
            return;
        }

        int pid, rc;
        try
        {
            rc = PosixSpawn(path, argv, env, cwd, pipes, extras.Fds ?? [], GroupFlags(options, extras), out pid);
        }
        catch (ErrnoException e)
        {
            (rc, pid) = (e.Errno, 0);
        }
        finally
        {
            pipes.CloseChildEnds();
        }

        if (rc != 0)
        {
            pipes.CloseParentEnds();
            Fail(new SpawnException(file, argv, rc, Libc.ErrnoMessage(rc) + "."), options.Stdio);
            return;
        }

        Pid = pid;
        LeadsProcessGroup = options.Detached || extras.NewProcessGroup;
        _logger?.LogDebug("spawned {Command} as pid {Pid}", string.Join(' ', argv), pid);
        ChildRegistry.Add(this);
        _closesPending = 1 + modes.Skip(1).Count(m => m == StdioMode.Pipe);
        if (redirect is not null)
        {
            // Inherit inside a notebook: the output goes to the cell, and Stdout/Stderr stay null as with inherit.
            var toOut = redirect.Stdout();
            var toErr = redirect.Stderr();
            new ChildReadable(pipes.ParentStream(1, FileAccess.Read), $"stdout of {pid}", OneCloseDone).Data += text => toOut.Write(text);
            new ChildReadable(pipes.ParentStream(2, FileAccess.Read), $"stderr of {pid}", OneCloseDone).Data += text => toErr.Write(text);
        }
        else if (options.Stdio == StdioMode.Pipe)
        {
            Stdin = new ChildWritable(pipes.ParentStream(0, FileAccess.Write), $"stdin of {pid}");
            Stdout = new ChildReadable(pipes.ParentStream(1, FileAccess.Read), $"stdout of {pid}", OneCloseDone);
            Stderr = new ChildReadable(pipes.ParentStream(2, FileAccess.Read), $"stderr of {pid}", OneCloseDone);
        }
        StartWaiter(pid);
    }

    /// <summary>The child's working directory in full; <c>null</c> (the parent's) when none or an empty one is given, as in Node.</summary>
    private static string? FullCwd(string? cwd) => string.IsNullOrEmpty(cwd) ? null : Path.GetFullPath(cwd);

    private static short GroupFlags(SpawnOptions options, LaunchExtras extras) =>
        options.Detached ? Libc.POSIX_SPAWN_SETSID
        : extras.NewProcessGroup ? Libc.POSIX_SPAWN_SETPGROUP
        : (short)0;

    /// <summary>
    /// The child could not be started. As in Node, piped stdio still exists: stdout and stderr have already ended
    /// (empty), and stdin refuses writes, so code that wires up the streams runs and learns of the failure from
    /// <see cref="Error"/>.
    /// </summary>
    private void Fail(SpawnException error, StdioMode stdio)
    {
        if (stdio == StdioMode.Pipe)
        {
            var notStarted = $"of {SpawnFile} (not started: {error.Code})";
            Stdin = ChildWritable.NotStarted($"stdin {notStarted}");
            Stdout = ChildReadable.AtEnd($"stdout {notStarted}");
            Stderr = ChildReadable.AtEnd($"stderr {notStarted}");
        }
        _closesPending = 1;
        RaiseError(error);
        _exited.TrySetException(error);
        OneCloseDone();
    }

    private static unsafe int PosixSpawn(string path, List<string> argv, Dictionary<string, string> env, string? cwd,
        StdioPipes pipes, IReadOnlyList<(int Fd, int As)> fds, short groupFlags, out int pid)
    {
        var actions = Marshal.AllocHGlobal(Libc.FileActionsSize);
        var attr = Marshal.AllocHGlobal(Libc.SpawnAttrSize);
        var allSignals = Marshal.AllocHGlobal(Libc.SigSetSize);
        var noSignals = Marshal.AllocHGlobal(Libc.SigSetSize);
        var strings = new List<IntPtr>();
        try
        {
            Check(Libc.posix_spawn_file_actions_init(actions));
            Check(Libc.posix_spawnattr_init(attr));
            try
            {
                pipes.AddFileActions(actions);
                // dup2 clears close-on-exec on the copy: these are the only descriptors the child inherits besides stdio.
                foreach (var (fd, target) in fds) Check(Libc.posix_spawn_file_actions_adddup2(actions, fd, target));
                if (cwd is not null) Check(Libc.posix_spawn_file_actions_addchdir_np(actions, cwd));

                // The runtime ignores SIGPIPE and may block signals; a child starts with every signal at its
                // default and none blocked, as libuv does for Node.
                Libc.sigfillset(allSignals);
                Libc.sigemptyset(noSignals);
                Check(Libc.posix_spawnattr_setsigdefault(attr, allSignals));
                Check(Libc.posix_spawnattr_setsigmask(attr, noSignals));
                if (groupFlags == Libc.POSIX_SPAWN_SETPGROUP) Check(Libc.posix_spawnattr_setpgroup(attr, 0));
                Check(Libc.posix_spawnattr_setflags(attr, (short)(Libc.POSIX_SPAWN_SETSIGDEF | Libc.POSIX_SPAWN_SETSIGMASK | groupFlags)));

                var argvPtrs = stackalloc IntPtr[argv.Count + 1];
                for (int i = 0; i < argv.Count; i++) strings.Add(argvPtrs[i] = Marshal.StringToCoTaskMemUTF8(argv[i]));
                argvPtrs[argv.Count] = IntPtr.Zero;

                var envPtrs = new IntPtr[env.Count + 1];
                int n = 0;
                foreach (var (key, value) in env) strings.Add(envPtrs[n++] = Marshal.StringToCoTaskMemUTF8($"{key}={value}"));

                var pathPtr = Marshal.StringToCoTaskMemUTF8(path);
                strings.Add(pathPtr);
                fixed (IntPtr* envp = envPtrs)
                {
                    return Libc.posix_spawn(out pid, (byte*)pathPtr, actions, attr, argvPtrs, envp);
                }
            }
            finally
            {
                Libc.posix_spawn_file_actions_destroy(actions);
                Libc.posix_spawnattr_destroy(attr);
            }
        }
        finally
        {
            foreach (var s in strings) Marshal.FreeCoTaskMem(s);
            Marshal.FreeHGlobal(actions);
            Marshal.FreeHGlobal(attr);
            Marshal.FreeHGlobal(allSignals);
            Marshal.FreeHGlobal(noSignals);
        }

        static void Check(int rc)
        {
            if (rc != 0) throw new ErrnoException(rc, "posix_spawn setup");
        }
    }

    /// <summary>Finds the program as execvp would: a path with a slash as is, otherwise the first executable on PATH.</summary>
    private static string? ResolveExecutable(string file, string? cwd, Dictionary<string, string> env)
    {
        if (file.Contains('/')) return Path.GetFullPath(file, cwd ?? Environment.CurrentDirectory);
        // Node searches the PATH the child will have; without one, the parent's.
        var search = env.TryGetValue("PATH", out var p) ? p : Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (var dir in search.Split(':'))
        {
            var candidate = Path.GetFullPath(Path.Combine(dir.Length == 0 ? "." : dir, file), cwd ?? Environment.CurrentDirectory);
            if (File.Exists(candidate) && Libc.access(candidate, Libc.X_OK) == 0) return candidate;
        }
        return null;
    }

    private static Dictionary<string, string> BuildEnvironment(IReadOnlyDictionary<string, string>? given)
    {
        if (given is null) return SpawnOptions.EnvWith([]);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in given)
        {
            if (string.IsNullOrEmpty(key) || key.Contains('=') || key.Contains('\0'))
                throw new ArgumentException($"Invalid environment variable name: '{key}'.", "options");
            if (value is null) continue;
            RejectNul(value, "options");
            env[key] = value;
        }
        return env;
    }

    private static void RejectNul(string value, string paramName)
    {
        if (value.Contains('\0')) throw new ArgumentException($"'{value.Replace("\0", "\\0")}' contains a NUL character.", paramName);
    }

    /// <summary>The three stdio slots: pipes (close-on-exec in the parent), /dev/null, or inherited.</summary>
    private sealed unsafe class StdioPipes
    {
        private readonly StdioMode[] _modes;
        private readonly int[] _parentEnds = [-1, -1, -1];
        private readonly int[] _childEnds = [-1, -1, -1];

        public StdioPipes(StdioMode[] modes)
        {
            _modes = modes;
            int* fds = stackalloc int[2];
            for (int slot = 0; slot < 3; slot++)
            {
                if (modes[slot] != StdioMode.Pipe) continue;
                if (Libc.pipe2(fds, Libc.O_CLOEXEC) != 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    CloseParentEnds();
                    CloseChildEnds();
                    throw new ErrnoException(errno, "pipe2");
                }
                // fds[0] reads, fds[1] writes: the child reads stdin and writes stdout/stderr.
                (_childEnds[slot], _parentEnds[slot]) = slot == 0 ? (fds[0], fds[1]) : (fds[1], fds[0]);
            }
        }

        public void AddFileActions(IntPtr actions)
        {
            for (int slot = 0; slot < 3; slot++)
            {
                int rc = _modes[slot] switch
                {
                    StdioMode.Pipe => Libc.posix_spawn_file_actions_adddup2(actions, _childEnds[slot], slot),
                    StdioMode.Ignore => Libc.posix_spawn_file_actions_addopen(actions, slot, "/dev/null",
                        slot == 0 ? Libc.O_RDONLY : Libc.O_WRONLY, 0),
                    _ => 0,
                };
                if (rc != 0) throw new ErrnoException(rc, "posix_spawn file action");
            }
        }

        public Stream ParentStream(int slot, FileAccess access)
        {
            var fd = _parentEnds[slot];
            _parentEnds[slot] = -1;
            return new FileStream(new SafeFileHandle(fd, ownsHandle: true), access, bufferSize: 0);
        }

        public void CloseChildEnds() => CloseAll(_childEnds);

        public void CloseParentEnds() => CloseAll(_parentEnds);

        private static void CloseAll(int[] fds)
        {
            for (int i = 0; i < fds.Length; i++)
            {
                if (fds[i] >= 0) Libc.close(fds[i]);
                fds[i] = -1;
            }
        }
    }
}
