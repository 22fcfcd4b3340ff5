using System.Diagnostics;
using System.Text;
using Workbook.LoadTesting;

namespace Workbook.Notebooks;

/// <summary>
/// Chapter 08's "machines": instances of examples/Sessions, each a cluster of two workers on a port of its own, all
/// keeping sessions in one Redis-protocol store and encrypting cookies with one key ring (a directory they share).
/// Disposing stops every instance, the store (if it was started here) and deletes the key directory.
/// </summary>
public sealed class SessionFleet : IAsyncDisposable
{
    private readonly SortedDictionary<string, RunningExample> _instances = new(StringComparer.Ordinal);

    private SessionFleet(RedisStore store, string keys)
    {
        Store = store;
        Keys = keys;
    }

    /// <summary>Where every instance keeps its sessions.</summary>
    public RedisStore Store { get; }

    /// <summary>The data-protection key directory every instance reads (on real machines: a shared volume, or a key ring in the store).</summary>
    public string Keys { get; }

    /// <summary>The running instances by name.</summary>
    public IReadOnlyDictionary<string, RunningExample> Instances => _instances;

    /// <summary>What each instance is started with: two workers, sessions in the store, the shared key directory, any free port.</summary>
    public IReadOnlyList<string> InstanceArgs => ["--port", "0", "--workers", "2", "--store", "redis", "--redis-url", Store.Url, "--keys", Keys];

    /// <summary>Starts the store (<see cref="RedisStore.StartAsync"/>), makes the key directory, then the instances one by one.</summary>
    public static async Task<SessionFleet> StartAsync(params string[] names)
    {
        var store = await RedisStore.StartAsync().ConfigureAwait(false);
        var fleet = new SessionFleet(store, Directory.CreateTempSubdirectory("workbook-08-keys-").FullName);
        try
        {
            foreach (var name in names) await fleet.StartInstanceAsync(name).ConfigureAwait(false);
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts one more instance and prints one line about it (its primary, address and how long it took to be ready).</summary>
    public async Task<RunningExample> StartInstanceAsync(string name)
    {
        if (_instances.ContainsKey(name)) throw new ArgumentException($"An instance named '{name}' is already running.", nameof(name));
        var started = Stopwatch.StartNew();
        var instance = await RunningExample.StartAsync("Sessions", InstanceArgs).ConfigureAwait(false);
        _instances[name] = instance;
        Console.WriteLine($"instance {name}: primary pid {instance.Pid}, {instance.Url} (ready in {started.ElapsedMilliseconds:N0} ms)");
        return instance;
    }

    /// <summary>Kills an instance's primary (SIGKILL: gone at once, though the kernel still refuses connections to its port; its workers follow) and forgets it.</summary>
    public async Task<Workbook.Processes.ChildExit> KillAsync(string name)
    {
        var exit = await Instance(name).KillAsync().ConfigureAwait(false);
        _instances.Remove(name);
        return exit;
    }

    /// <summary>
    /// One step of a rolling restart of the instances: starts <paramref name="old"/>'s successor (a1 → a2) and puts it
    /// into the proxy, takes <paramref name="old"/> out of the proxy (which answers once its requests in flight have
    /// finished), then stops it gracefully. Each step is marked on <paramref name="run"/> by one short mark.
    /// </summary>
    public async Task<InstanceReplacement> ReplaceAsync(string old, ReverseProxyExample proxy, SessionLoadRun run)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        ArgumentNullException.ThrowIfNull(run);
        var leaving = Instance(old);
        var took = Stopwatch.StartNew();
        var next = Successor(old);
        var started = await StartInstanceAsync(next).ConfigureAwait(false);
        await proxy.AddAsync(next, started.Url).ConfigureAwait(false);
        var removal = await proxy.RemoveAsync(old).ConfigureAwait(false);
        run.Mark($"{old}→{next}");
        var exit = await leaving.StopAsync().ConfigureAwait(false);
        _instances.Remove(old);
        return new InstanceReplacement(old, next, removal, exit, took.Elapsed);
    }

    /// <summary>The name of the instance that replaces <paramref name="name"/>: its letter, the next generation (b2 → b3).</summary>
    public static string Successor(string name) =>
        name.Length > 1 && int.TryParse(name[1..], out var generation) ? $"{name[0]}{generation + 1}"
            : throw new ArgumentException($"'{name}' is not a letter and a generation, e.g. a1.", nameof(name));

    private RunningExample Instance(string name) =>
        _instances.TryGetValue(name, out var instance) ? instance : throw new ArgumentException($"No instance named '{name}' is running.", nameof(name));

    /// <summary>Stops every instance gracefully, then the store (if started here), and deletes the key directory; one line each.</summary>
    public async Task<string> StopAsync()
    {
        var text = new StringBuilder();
        foreach (var (name, instance) in _instances) text.AppendLine($"instance {name}: {await instance.StopAsync().ConfigureAwait(false)}");
        _instances.Clear();
        text.Append(await Store.StopAsync().ConfigureAwait(false));
        if (Directory.Exists(Keys)) Directory.Delete(Keys, recursive: true);
        return text.ToString();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <inheritdoc />
    public override string ToString() =>
        $"sessions in {Store}; each instance: Sessions.dll {string.Join(' ', InstanceArgs)}";
}
