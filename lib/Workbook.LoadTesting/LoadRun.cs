using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace Workbook.LoadTesting;

/// <summary>
/// A load run in progress. It is bounded by its phases' total time (and by <see cref="LoadTest.MaxRequests"/>);
/// requests still in flight at the end get a short grace, then are abandoned and counted as unfinished.
/// </summary>
public sealed class LoadRun
{
    /// <summary>How long requests in flight at the end of the time bound may still finish.</summary>
    public static readonly TimeSpan EndGrace = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);

    private readonly IReadOnlyList<LoadPhase> _phases;
    private readonly LoadRecorder _recorder;
    private readonly long _start;
    private readonly IPEndPoint _endpoint;
    private readonly byte[] _request;
    private readonly byte[] _attributeBy;
    private readonly long _timeoutTicks;
    private readonly ConcurrentDictionary<HttpConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stopIssuing = new();
    private readonly CancellationTokenSource _abandon = new();
    private readonly CancellationTokenRegistration _external;
    private readonly Task _stopped;
    private long _issued;
    private volatile StopReason _stoppedBy = StopReason.Time;
    private volatile int _desiredClients;

    internal LoadRun(LoadTest test, CancellationToken cancellationToken)
    {
        test.Validate();
        Test = test;
        _phases = Load.Resolve(test.Load);
        _endpoint = Resolve(test.Url);
        _request = BuildRequest(test);
        _attributeBy = Encoding.ASCII.GetBytes((test.AttributeBy ?? "").ToLowerInvariant());
        _timeoutTicks = (long)(test.Timeout.TotalSeconds * Stopwatch.Frequency);
        _start = Stopwatch.GetTimestamp();
        _recorder = new LoadRecorder(_start, test.Duration + test.Timeout + EndGrace + TimeSpan.FromSeconds(1), test.Duration);
        _stopped = _stopIssuing.Token.WhenCanceled();
        _external = cancellationToken.Register(() => Stop(StopReason.Cancelled, abandonNow: true));
        Completion = Task.Run(RunAsync);
    }

    public LoadTest Test { get; }

    /// <summary>Completes with the result when the run has ended.</summary>
    public Task<LoadResult> Completion { get; }

    /// <summary>Counts so far, for a live view.</summary>
    public LoadProgress Progress => _recorder.Progress(Test.Duration);

    /// <summary>Marks something that happened now on the run's timeline (e.g. "worker 3 crashed").</summary>
    public void Mark(string text) => _recorder.Mark(text);

    /// <summary>Ends the run now; requests in flight are abandoned.</summary>
    public void Cancel() => Stop(StopReason.Cancelled, abandonNow: true);

    /// <summary>
    /// Ends the run before its time bound, as the bound would: no request is sent any more, and those in flight get
    /// the usual <see cref="EndGrace"/>. The result says <see cref="StopReason.Stopped"/>.
    /// </summary>
    public void Stop() => Stop(StopReason.Stopped, abandonNow: false);

    private async Task<LoadResult> RunAsync()
    {
        using var watcher = new Timer(_ => AbortLateRequests(), null, Tick, Tick);
        var work = _phases[0] is ClosedPhase ? RunClosedAsync() : RunOpenAsync();

        // The time bound: stop issuing at the end of the phases.
        var left = Test.Duration - _recorder.Elapsed; // counted from the run's start, as the timeline is
        var timeBound = Task.Delay(left > TimeSpan.Zero ? left : TimeSpan.Zero, _stopIssuing.Token);
        await Task.WhenAny(timeBound, _stopped).ConfigureAwait(false);
        Stop(_stoppedBy, abandonNow: false);
        _recorder.EndOffering(byTimeBound: _stoppedBy == StopReason.Time);
        var offeredFor = _stoppedBy == StopReason.Time ? Test.Duration : _recorder.Elapsed;

        // Let what is in flight finish: briefly after the time bound, up to the timeout after a count bound.
        var grace = _stoppedBy == StopReason.RequestCount ? Test.Timeout : EndGrace;
        if (await Task.WhenAny(work, Task.Delay(grace, _abandon.Token).ContinueWith(_ => { })).ConfigureAwait(false) != work)
            _abandon.Cancel();
        foreach (var connection in _connections.Keys) connection.Dispose();
        await work.ConfigureAwait(false);
        _external.Dispose();
        return _recorder.Result(Test, Describe(_phases), offeredFor, _stoppedBy);
    }

    private void Stop(StopReason why, bool abandonNow)
    {
        if (!_stopIssuing.IsCancellationRequested) _stoppedBy = why;
        _stopIssuing.Cancel();
        if (abandonNow)
        {
            _abandon.Cancel();
            foreach (var connection in _connections.Keys) connection.Dispose();
        }
    }

    /// <summary>Counts a request about to be sent against the bounds; false when the run should send no more.</summary>
    private bool TryIssue()
    {
        if (_stopIssuing.IsCancellationRequested) return false;
        if (Test.MaxRequests is long max && Interlocked.Increment(ref _issued) > max)
        {
            Stop(StopReason.RequestCount, abandonNow: false);
            return false;
        }
        return true;
    }

    // ---- closed model: N clients, each with its own connection, one request at a time ----

    private async Task RunClosedAsync()
    {
        var clients = new List<Task>();
        while (!_stopIssuing.IsCancellationRequested)
        {
            _desiredClients = ClientsAt(_recorder.Elapsed);
            // Client i runs while i < the desired count; one that stopped in a ramp down starts again in a ramp up.
            for (int i = 0; i < _desiredClients; i++)
            {
                if (i == clients.Count) clients.Add(ClientAsync(i));
                else if (clients[i].IsCompleted) clients[i] = ClientAsync(i);
            }
            await Task.WhenAny(Task.Delay(Tick), _stopped).ConfigureAwait(false);
        }
        await Task.WhenAll(clients).ConfigureAwait(false);
    }

    private async Task ClientAsync(int index)
    {
        await Task.Yield();
        HttpConnection? connection = null;
        try
        {
            // The time bound, to the tick (its timer may fire late): a closed client sends nothing after it.
            while (index < _desiredClients && _recorder.Elapsed < Test.Duration && TryIssue())
            {
                var scheduled = Stopwatch.GetTimestamp();
                connection = await ExchangeAsync(connection, scheduled).ConfigureAwait(false);
            }
        }
        finally
        {
            Release(connection);
        }
    }

    private int ClientsAt(TimeSpan elapsed)
    {
        foreach (var phase in _phases.Cast<ClosedPhase>())
        {
            if (elapsed < phase.Duration)
                return (int)Math.Round(phase.From + (phase.To - phase.From) * (elapsed / phase.Duration));
            elapsed -= phase.Duration;
        }
        return ((ClosedPhase)_phases[^1]).To;
    }

    // ---- open model: requests sent on schedule, whatever the server does ----

    private async Task RunOpenAsync()
    {
        var pool = new ConcurrentStack<HttpConnection>();
        long inFlight = 1; // one for the scheduler itself, released when it stops issuing
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Done()
        {
            if (Interlocked.Decrement(ref inFlight) == 0) drained.TrySetResult();
        }

        var schedule = new Schedule(_phases.Cast<OpenPhase>().ToList());
        for (long k = 0; ; k++)
        {
            var due = schedule.TimeOf(k);
            if (due is null || due > Test.Duration) break;
            var dueAt = _start + (long)(due.Value.TotalSeconds * Stopwatch.Frequency);
            var wait = TimeSpan.FromSeconds((dueAt - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
            if (wait > TimeSpan.FromMilliseconds(1)) await Task.WhenAny(Task.Delay(wait), _stopped).ConfigureAwait(false);
            if (!TryIssue()) break;
            if (Interlocked.Read(ref inFlight) > Test.MaxInFlight)
            {
                _recorder.NotSent(Stopwatch.GetTimestamp());
                continue;
            }
            Interlocked.Increment(ref inFlight);
            _ = OneOpenRequestAsync(pool, dueAt).ContinueWith(_ => Done(), TaskScheduler.Default);
        }
        Done();
        await drained.Task.ConfigureAwait(false);
        while (pool.TryPop(out var connection)) Release(connection);
    }

    private async Task OneOpenRequestAsync(ConcurrentStack<HttpConnection> pool, long scheduledAt)
    {
        HttpConnection? connection;
        while (pool.TryPop(out connection) && connection.IsClosedWhileIdle()) Release(connection); // as a client's pool does
        connection = await ExchangeAsync(connection, scheduledAt).ConfigureAwait(false);
        if (connection is not null) pool.Push(connection);
    }

    /// <summary>Piecewise-linear rate: the k-th request is due when the integral of the rate reaches k.</summary>
    private sealed class Schedule(IReadOnlyList<OpenPhase> phases)
    {
        public TimeSpan? TimeOf(long k)
        {
            double before = 0, offset = 0;
            foreach (var p in phases)
            {
                double d = p.Duration.TotalSeconds, r0 = p.From, r1 = p.To;
                double inPhase = (r0 + r1) / 2 * d;
                if (k < before + inPhase)
                {
                    double n = k - before, a = (r1 - r0) / (2 * d);
                    double t = Math.Abs(a) < 1e-12 ? n / r0 : (-r0 + Math.Sqrt(r0 * r0 + 4 * a * n)) / (2 * a);
                    return TimeSpan.FromSeconds(offset + t);
                }
                before += inPhase;
                offset += d;
            }
            return null;
        }
    }

    // ---- one request on one connection ----

    /// <summary>
    /// Sends one request (connecting first if needed) and records the outcome. Returns the connection to reuse,
    /// or null when it was closed. Latency counts from <paramref name="scheduledAt"/>, not from the actual send,
    /// so a generator that falls behind does not hide the server's slowness (no coordinated omission).
    /// </summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<HttpConnection?> ExchangeAsync(HttpConnection? connection, long scheduledAt)
    {
        _recorder.Started();
        try
        {
            if (connection is null)
            {
                connection = HttpConnection.Create(_endpoint);
                _connections.TryAdd(connection, 0);
                if (_abandon.IsCancellationRequested) connection.Dispose();
                await connection.ConnectAsync(_endpoint, scheduledAt + _timeoutTicks).ConfigureAwait(false);
            }
            var answer = await connection.SendAsync(_request, _attributeBy, scheduledAt + _timeoutTicks).ConfigureAwait(false);
            _recorder.Answered(scheduledAt, Stopwatch.GetTimestamp(), answer.Status, answer.Attribution);
            if (answer.KeepAlive && Test.Connection == ConnectionMode.KeepAlive) return connection;
            Release(connection);
            return null;
        }
        catch (Exception e)
        {
            var timedOut = connection?.TimedOut == true;
            if (_abandon.IsCancellationRequested && !timedOut) _recorder.Abandoned();
            else _recorder.Failed(Stopwatch.GetTimestamp(), timedOut ? FailureReason.Timeout : FailureReasons.Classify(e));
            Release(connection);
            return null;
        }
    }

    private void Release(HttpConnection? connection)
    {
        if (connection is null) return;
        _connections.TryRemove(connection, out _);
        connection.Dispose();
    }

    private void AbortLateRequests()
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var connection in _connections.Keys) connection.AbortIfLate(now);
    }

    private static IPEndPoint Resolve(Uri url)
    {
        var host = url.Host.Trim('[', ']');
        var address = url.IsLoopback && !IPAddress.TryParse(host, out _) ? IPAddress.Loopback
            : IPAddress.TryParse(host, out var ip) ? ip
            : Dns.GetHostAddresses(host).FirstOrDefault() ?? throw new ArgumentException($"Cannot resolve {url.Host}.");
        return new IPEndPoint(address, url.Port);
    }

    private static byte[] BuildRequest(LoadTest test)
    {
        var request = new StringBuilder()
            .Append(test.Method).Append(' ').Append(test.Url.PathAndQuery).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(test.Url.Authority).Append("\r\n")
            .Append("User-Agent: Workbook.LoadTesting\r\n");
        if (test.Connection == ConnectionMode.NewPerRequest) request.Append("Connection: close\r\n");
        foreach (var (name, value) in test.Headers) request.Append(name).Append(": ").Append(value).Append("\r\n");
        return Encoding.ASCII.GetBytes(request.Append("\r\n").ToString());
    }

    private static string Describe(IReadOnlyList<LoadPhase> phases) => string.Join(", then ", phases.Select(p => p switch
    {
        ClosedPhase c when c.From == c.To => $"{c.To} clients for {c.Duration.TotalSeconds:0.#} s",
        ClosedPhase c => $"{c.From}→{c.To} clients over {c.Duration.TotalSeconds:0.#} s",
        OpenPhase o when o.From == o.To => $"{o.To:0.#} req/s for {o.Duration.TotalSeconds:0.#} s",
        OpenPhase o => $"{o.From:0.#}→{o.To:0.#} req/s over {o.Duration.TotalSeconds:0.#} s",
        _ => p.ToString(),
    }));
}
