using System.Text.Json;
using Workbook.Processes;

namespace Workbook.Notebooks;

/// <summary>
/// An example program a chapter forks that tells its parent <c>{ url, pid }</c> once it is ready (RedisServer,
/// Sessions, Proxy): the process, its address, and a stop that cannot leave it running.
/// </summary>
public sealed class RunningExample : IAsyncDisposable
{
    private RunningExample(string name, ChildProcess process, string url)
    {
        Name = name;
        Process = process;
        Url = url;
    }

    /// <summary>The example's name, e.g. <c>Sessions</c>.</summary>
    public string Name { get; }

    /// <summary>The forked process (the primary, for a cluster).</summary>
    public ChildProcess Process { get; }

    /// <summary>The process id (known: the process reported its address).</summary>
    public int Pid => Process.Pid ?? throw new InvalidOperationException($"{Name} has no process id.");

    /// <summary>Where it listens, as it reported it: <c>http://127.0.0.1:PORT/</c>, or <c>127.0.0.1:PORT</c> for RedisServer.</summary>
    public string Url { get; }

    /// <summary>
    /// Forks <c>examples/NAME</c> with <paramref name="args"/> and waits for its first message, <c>{ url }</c>; every
    /// later message goes to <paramref name="onMessage"/> (subscribed before the child starts, so none is missed).
    /// A program that exits first (a bad argument, a port in use) or says nothing in time is reported and not left running.
    /// </summary>
    public static async Task<RunningExample> StartAsync(string name, IEnumerable<string> args, TimeSpan? timeout = null,
        Action<JsonElement>? onMessage = null)
    {
        var wait = timeout ?? TimeSpan.FromSeconds(60); // a cluster starting on a busy machine can take a while
        var first = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = ChildProcess.Fork(Examples.Dll(name), args);
        process.Message += message =>
        {
            if (!first.TrySetResult(message.Clone())) onMessage?.Invoke(message);
        };
        try
        {
            var done = await Task.WhenAny(first.Task, process.Exited, Task.Delay(wait)).ConfigureAwait(false);
            if (done == process.Exited)
                throw new InvalidOperationException($"{name} exited ({await process.Exited.ConfigureAwait(false)}) before it reported its address; its error is above.");
            if (done != first.Task)
                throw new TimeoutException($"{name} did not report its address within {wait.TotalSeconds:0} s; it was stopped.");
            var ready = first.Task.Result;
            return ready.TryGetProperty("url", out var url) && url.ValueKind == JsonValueKind.String
                ? new RunningExample(name, process, url.GetString()!)
                : throw new InvalidOperationException($"{name} sent {ready} instead of {{ url }}; it was stopped.");
        }
        catch
        {
            await StopAsync(process, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Ends it abruptly (SIGKILL), then waits for its exit. Unlike a machine that loses power, this machine's kernel still refuses connections to its port at once.</summary>
    public async Task<ChildExit> KillAsync()
    {
        Process.Kill("SIGKILL");
        return await Process.Exited.ConfigureAwait(false);
    }

    /// <summary>Stops it gracefully (SIGTERM: a cluster drains its workers); SIGKILL if it has not exited within <paramref name="grace"/>.</summary>
    public Task<ChildExit> StopAsync(TimeSpan? grace = null) => StopAsync(Process, grace ?? TimeSpan.FromSeconds(10));

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private static async Task<ChildExit> StopAsync(ChildProcess process, TimeSpan grace)
    {
        if (process.IsRunning) process.Kill("SIGTERM");
        if (await Task.WhenAny(process.Exited, Task.Delay(grace)).ConfigureAwait(false) != process.Exited) process.Kill("SIGKILL");
        return await process.Exited.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} (pid {Pid}) at {Url}";
}
