using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Workbook.Processes.Native;

namespace Workbook.Processes;

public sealed partial class ChildProcess : IDisposable, IAsyncDisposable
{
    private static readonly TimeSpan TermGrace = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Node's <c>child.kill(signal)</c>: sends a signal by name (<c>"SIGTERM"</c>, <c>"SIGKILL"</c>, <c>"SIGUSR2"</c>…).
    /// Returns true when it was delivered, false when the child is not running.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a known signal.</exception>
    public bool Kill(string signal = "SIGTERM") => Kill(Signals.ToNumber(signal));

    /// <summary>Sends a signal by number (0 only checks that the process exists).</summary>
    public bool Kill(int signal) => Signal(signal, wholeGroup: false);

    /// <summary>True when the child leads its own process group (detached, or started by the exec family).</summary>
    internal bool LeadsProcessGroup { get; private set; }

    /// <summary>Signals the child's whole process group (a shell and the commands it started), or just the child.</summary>
    internal bool KillGroup(int signal) => Signal(signal, wholeGroup: LeadsProcessGroup);

    private bool Signal(int signal, bool wholeGroup)
    {
        Signals.Validate(signal);
        int errno;
        lock (_gate)
        {
            // Never signal a reaped pid: the kernel may already have given it to another process. A group id
            // is not reused while the group has members, so a group outlives its reaped leader safely.
            if (Pid is null || (_reaped && !wholeGroup)) return false;
            if (Libc.kill(wholeGroup ? -Pid.Value : Pid.Value, signal) == 0)
            {
                if (signal != 0) _killed = true;
                return true;
            }
            errno = Marshal.GetLastPInvokeError();
        }
        if (errno != Libc.ESRCH) RaiseError(new ErrnoException(errno, $"kill({Pid}, {Signals.ToName(signal)})"));
        return false;
    }

    /// <summary>
    /// Node's <c>child.unref()</c>. A .NET program does not wait for its children the way Node's event loop does;
    /// instead, children still running when the parent exits are ended. <c>Unref()</c> opts this child out:
    /// it keeps running after the parent exits (make it <see cref="SpawnOptions.Detached"/> with ignored stdio too).
    /// </summary>
    public void Unref() => ChildRegistry.Remove(this);

    /// <summary>Node's <c>child.ref()</c>: undoes <see cref="Unref"/>.</summary>
    public void Ref()
    {
        lock (_gate)
        {
            if (Pid is null || _reaped) return;
        }
        ChildRegistry.Add(this);
    }

    /// <summary>
    /// Ends the child if it still runs and closes its stdin. A forked child is first disconnected, which lets it
    /// exit by itself; then SIGTERM, and SIGKILL a second later if it is still there.
    /// </summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <inheritdoc cref="Dispose"/>
    public async ValueTask DisposeAsync()
    {
        if (_channel?.TryDisconnect() == true) await ExitsWithin(TermGrace).ConfigureAwait(false);
        if (IsRunning)
        {
            Kill(Signals.ToNumber("SIGTERM"));
            if (!await ExitsWithin(TermGrace).ConfigureAwait(false) && Kill(Signals.ToNumber("SIGKILL")))
                await ExitsWithin(KillGrace).ConfigureAwait(false);
        }
        Stdin?.TryEnd();
    }

    private async Task<bool> ExitsWithin(TimeSpan time)
    {
        var done = await Task.WhenAny(_exited.Task, Task.Delay(time)).ConfigureAwait(false);
        return done == _exited.Task;
    }

    private void StartWaiter(int pid)
    {
        var waiter = new Thread(() => WaitForExit(pid), maxStackSize: 128 * 1024) { IsBackground = true, Name = $"wait {pid}" };
        waiter.Start();
    }

    private void WaitForExit(int pid)
    {
        // First wait without reaping, then reap under the lock, so Kill can never hit a recycled pid.
        var info = Marshal.AllocHGlobal(Libc.SigInfoSize);
        try
        {
            while (Libc.waitid(Libc.P_PID, pid, info, Libc.WEXITED | Libc.WNOWAIT) != 0
                   && Marshal.GetLastPInvokeError() == Libc.EINTR)
            {
            }
        }
        finally
        {
            Marshal.FreeHGlobal(info);
        }

        ChildExit exit;
        lock (_gate)
        {
            int result, status;
            do result = Libc.waitpid(pid, out status, 0);
            while (result == -1 && Marshal.GetLastPInvokeError() == Libc.EINTR);
            var (code, signal) = result == pid ? Libc.DecodeWaitStatus(status) : (null, null);
            exit = new ChildExit(code, signal is int s ? Signals.ToName(s) : null);
            _reaped = true;
        }
        ChildRegistry.Remove(this);
        OnExited(exit);
    }

    /// <summary>
    /// Children still running when this process exits are ended, so a finished program or a closed notebook
    /// kernel leaves nothing behind.
    /// </summary>
    private static class ChildRegistry
    {
        private static readonly ConcurrentDictionary<ChildProcess, byte> Running = new();

        static ChildRegistry() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var child in Running.Keys) child.KillGroup(Signals.ToNumber("SIGKILL"));
        };

        public static void Add(ChildProcess child) => Running.TryAdd(child, 0);

        public static void Remove(ChildProcess child) => Running.TryRemove(child, out _);
    }
}
