using System.Diagnostics;
using System.Globalization;

namespace Workbook.Cluster;

/// <summary>
/// The primary-hosted shared store: one in-memory map in the primary process, which every worker reads and writes
/// over its channel (see <see cref="Cluster.Store"/>). One lock makes every call atomic, so increments from all
/// workers add up exactly. Expired keys are gone for readers at once and swept from memory once a second.
/// It lives as long as the primary: workers come and go (crashes, rolling restarts), what they stored stays.
/// </summary>
public sealed class SharedStore : ISharedStore, IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Timer _sweep;
    private long _calls;

    public SharedStore()
    {
        _sweep = new Timer(_ => Sweep(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Keys present now (expired ones not counted).</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _entries.Values.Count(e => !e.ExpiredAt(Now));
        }
    }

    /// <summary>Calls served so far, from workers and from this process.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>The keys present now, in no particular order.</summary>
    public IReadOnlyList<string> Keys
    {
        get
        {
            var now = Now;
            lock (_gate) return [.. _entries.Where(e => !e.Value.ExpiredAt(now)).Select(e => e.Key)];
        }
    }

    public string? Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Interlocked.Increment(ref _calls);
        var now = Now;
        lock (_gate)
        {
            if (!TryLive(key, now, out var entry)) return null;
            entry.Touch(now);
            return entry.Value;
        }
    }

    public void Set(string key, string value, StoreExpiry? expiry = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        expiry?.Validate();
        Interlocked.Increment(ref _calls);
        var entry = new Entry(value, expiry);
        entry.Touch(Now);
        lock (_gate) _entries[key] = entry;
    }

    public bool Delete(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Interlocked.Increment(ref _calls);
        lock (_gate) return TryLive(key, Now, out _) && _entries.Remove(key);
    }

    /// <inheritdoc cref="ISharedStore.IncrementAsync"/>
    public long Increment(string key, long by = 1)
    {
        ArgumentNullException.ThrowIfNull(key);
        Interlocked.Increment(ref _calls);
        var now = Now;
        lock (_gate)
        {
            if (!TryLive(key, now, out var entry))
            {
                _entries[key] = new Entry(by.ToString(CultureInfo.InvariantCulture), null);
                return by;
            }
            if (!long.TryParse(entry.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                throw new SharedStoreException($"The value of '{key}' is not an integer, so it cannot be incremented.");
            number = checked(number + by);
            entry.Value = number.ToString(CultureInfo.InvariantCulture);
            return number;
        }
    }

    public bool Refresh(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Interlocked.Increment(ref _calls);
        var now = Now;
        lock (_gate)
        {
            if (!TryLive(key, now, out var entry)) return false;
            entry.Touch(now);
            return true;
        }
    }

    /// <summary>Removes every key.</summary>
    public void Clear()
    {
        lock (_gate) _entries.Clear();
    }

    Task<string?> ISharedStore.GetAsync(string key, CancellationToken cancellationToken) => Task.FromResult(Get(key));

    Task ISharedStore.SetAsync(string key, string value, StoreExpiry? expiry, CancellationToken cancellationToken)
    {
        Set(key, value, expiry);
        return Task.CompletedTask;
    }

    Task<bool> ISharedStore.DeleteAsync(string key, CancellationToken cancellationToken) => Task.FromResult(Delete(key));

    Task<long> ISharedStore.IncrementAsync(string key, long by, CancellationToken cancellationToken) => Task.FromResult(Increment(key, by));

    Task<bool> ISharedStore.RefreshAsync(string key, CancellationToken cancellationToken) => Task.FromResult(Refresh(key));

    public void Dispose() => _sweep.Dispose();

    /// <summary>Answers one request from a worker (see <see cref="StoreProtocol"/>); never throws.</summary>
    internal Workbook.Processes.EncodedMessage Serve(System.Text.Json.JsonElement request) => StoreProtocol.Serve(this, request);

    private static long Now => Stopwatch.GetTimestamp();

    private bool TryLive(string key, long now, out Entry entry)
    {
        if (!_entries.TryGetValue(key, out entry!)) return false;
        if (!entry.ExpiredAt(now)) return true;
        _entries.Remove(key);
        return false;
    }

    private void Sweep()
    {
        var now = Now;
        lock (_gate)
        {
            foreach (var key in _entries.Where(e => e.Value.ExpiredAt(now)).Select(e => e.Key).ToList()) _entries.Remove(key);
        }
    }

    private sealed class Entry(string value, StoreExpiry? expiry)
    {
        private long _expiresAt = long.MaxValue;
        private bool _started;

        public string Value { get; set; } = value;

        public bool ExpiredAt(long now) => now >= _expiresAt;

        /// <summary>Starts the expiry clock (at the write), and restarts it on a read when it slides.</summary>
        public void Touch(long now)
        {
            if (expiry is null || (_started && !expiry.Sliding)) return;
            _started = true;
            // In double first: an expiry centuries away must mean "not in our lifetime", not overflow into the past.
            var ticks = expiry.After.TotalSeconds * Stopwatch.Frequency;
            _expiresAt = ticks >= long.MaxValue - now ? long.MaxValue : now + (long)ticks;
        }
    }
}
