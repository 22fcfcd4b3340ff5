using Microsoft.Extensions.Logging;

namespace Workbook.Processes;

/// <summary>
/// A child process, as Node's <c>ChildProcess</c>: create one with <see cref="Spawn(string, IEnumerable{string}?, SpawnOptions?)"/>.
/// Its events fire once; a handler attached after an event already fired is called at once with the same
/// values, so a later notebook cell still sees the exit of a child that finished quickly.
/// </summary>
public sealed partial class ChildProcess
{
    private readonly object _gate = new();
    private readonly ILogger? _logger;
    private readonly TaskCompletionSource<ChildExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ChildExit> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly OnceEvent<ChildExit, ChildExitHandler> _exitEvent = new("Exit", (h, e) => h(e.Code, e.Signal));
    private readonly OnceEvent<ChildExit, ChildExitHandler> _closeEvent = new("Close", (h, e) => h(e.Code, e.Signal));
    private Action<Exception>? _errorHandlers;
    private ChildExit? _exit;
    private SpawnException? _spawnError;
    private int _closesPending;
    private bool _reaped;
    private bool _killed;

    private ChildProcess(string spawnFile, IReadOnlyList<string> spawnArgs, ILogger? logger)
    {
        SpawnFile = spawnFile;
        SpawnArgs = spawnArgs;
        _logger = logger;
        // Faulted tasks nobody awaited must not surface later as unobserved exceptions.
        _exited.Task.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
        _closed.Task.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
    }

    /// <summary>The process id; <c>null</c> when the process could not be started.</summary>
    public int? Pid { get; private set; }

    /// <summary>The program that was started (Node's <c>spawnfile</c>): the command, or the shell.</summary>
    public string SpawnFile { get; }

    /// <summary>The full argument vector, program first (Node's <c>spawnargs</c>).</summary>
    public IReadOnlyList<string> SpawnArgs { get; }

    /// <summary>
    /// The child's stdin; <c>null</c> unless stdio is <see cref="StdioMode.Pipe"/>. It exists, as in Node, also when the
    /// child could not be started; writing to it then throws.
    /// </summary>
    public ChildWritable? Stdin { get; private set; }

    /// <summary>
    /// The child's stdout; <c>null</c> unless stdio is <see cref="StdioMode.Pipe"/>. It exists, as in Node, also when the
    /// child could not be started: it has then already ended, empty.
    /// </summary>
    public ChildReadable? Stdout { get; private set; }

    /// <summary>The child's stderr; <c>null</c> unless stdio is <see cref="StdioMode.Pipe"/>. Like <see cref="Stdout"/> when the child could not be started.</summary>
    public ChildReadable? Stderr { get; private set; }

    /// <summary>The exit code once the child exited by itself; <c>null</c> while it runs or when a signal ended it.</summary>
    public int? ExitCode
    {
        get { lock (_gate) return _exit?.Code; }
    }

    /// <summary>The name of the signal that ended the child (Node's <c>signalCode</c>), or <c>null</c>.</summary>
    public string? SignalCode
    {
        get { lock (_gate) return _exit?.Signal; }
    }

    /// <summary>True once <see cref="Kill(string)"/> delivered a signal (Node's <c>killed</c>).</summary>
    public bool Killed
    {
        get { lock (_gate) return _killed; }
    }

    /// <summary>True while the process runs (started and not yet exited).</summary>
    public bool IsRunning
    {
        get { lock (_gate) return Pid is not null && !_reaped; }
    }

    /// <summary>Completes when the process exits, with its code or signal; throws <see cref="SpawnException"/> when it could not start.</summary>
    public Task<ChildExit> Exited => _exited.Task;

    /// <summary>Completes after <see cref="Exit"/> and after stdout and stderr were read to their end (Node's <c>'close'</c>).</summary>
    public Task<ChildExit> Closed => _closed.Task;

    /// <summary>
    /// Node's <c>'exit'</c>: the process ended, with its exit code (or <c>null</c>) and the name of the signal
    /// that ended it (or <c>null</c>). Its stdio may still hold unread output.
    /// </summary>
    public event ChildExitHandler? Exit
    {
        add => _exitEvent.Add(value);
        remove => _exitEvent.Remove(value);
    }

    /// <summary>
    /// Node's <c>'close'</c>: the process exited and its stdout and stderr were closed. These can close later
    /// than the exit, when another process (a grandchild) still holds them.
    /// </summary>
    public event ChildExitHandler? Close
    {
        add => _closeEvent.Add(value);
        remove => _closeEvent.Remove(value);
    }

    /// <summary>
    /// Node's <c>'error'</c>: the process could not be started, a signal could not be sent, or (with
    /// <see cref="Fork"/>) a message could not be read. A handler added after a start failure still gets it.
    /// </summary>
    public event Action<Exception>? Error
    {
        add
        {
            if (value is null) return;
            SpawnException? happened;
            lock (_gate)
            {
                happened = _spawnError;
                _errorHandlers += value;
            }
            if (happened is not null) HandlerFailures.Run("Error handler", () => value(happened));
        }
        remove { lock (_gate) _errorHandlers -= value; }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            var state = Pid is null ? $"not started ({_spawnError?.Code ?? "error"})"
                : _exit is null ? "running" : $"exited with {_exit}";
            return $"{string.Join(' ', SpawnArgs)} (pid {Pid?.ToString() ?? "-"}, {state})";
        }
    }

    private void RaiseError(Exception error)
    {
        Action<Exception>? handlers;
        lock (_gate)
        {
            if (error is SpawnException spawnError) _spawnError ??= spawnError;
            handlers = _errorHandlers;
        }
        _logger?.LogWarning("{Command}: {Error}", SpawnFile, error.Message);
        HandlerFailures.Each("Error handler", handlers, h => h(error));
    }

    private void OnExited(ChildExit exit)
    {
        lock (_gate) _exit = exit;
        Stdin?.CloseAfterExit(); // as Node destroys child.stdin on exit: nobody reads it any more
        _logger?.LogDebug("{Command} (pid {Pid}) exited with {Exit}", SpawnFile, Pid, exit);
        _exitEvent.Fire(exit);
        _exited.TrySetResult(exit);
        OneCloseDone();
    }

    private void OneCloseDone()
    {
        if (Interlocked.Decrement(ref _closesPending) != 0) return;
        ChildExit exit;
        SpawnException? spawnError;
        lock (_gate) (exit, spawnError) = (_exit ?? new ChildExit(null, null), _spawnError);
        _closeEvent.Fire(exit);
        if (spawnError is not null) _closed.TrySetException(spawnError);
        else _closed.TrySetResult(exit);
    }
}
