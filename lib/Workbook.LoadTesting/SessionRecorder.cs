using System.Diagnostics;

namespace Workbook.LoadTesting;

/// <summary>
/// The counts of a session run. One lock, not lock-free counters: a session run is about legibility, and its
/// request rate is far below what a lock costs.
/// </summary>
internal sealed class SessionRecorder(long start)
{
    private readonly Lock _gate = new();
    private readonly List<Counts> _seconds = [];
    private readonly long[] _failures = FailureReasons.NewCounts();
    private readonly Dictionary<int, long> _statusCodes = [];
    private readonly Dictionary<string, long> _byAttribution = [];
    private readonly List<LoadMark> _marks = [];
    private readonly HashSet<int> _usersWhoLost = [];
    private readonly List<SessionTrace> _sessionLog = [];
    private long _logins, _sessions, _sessionsLost, _pages, _pagesOk, _pagesLost, _wrongUser, _unfinished, _failed, _loginsFailed;

    private sealed class Counts
    {
        public long SessionsStarted, PagesOk, PagesLost, Failed;
    }

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(start);

    public void LoginSent() { lock (_gate) _logins++; }

    public void PageSent() { lock (_gate) _pages++; }

    public void LoggedIn()
    {
        lock (_gate)
        {
            _sessions++;
            Now().SessionsStarted++;
        }
    }

    public void PageOk(bool rightUser, string? attribution)
    {
        lock (_gate)
        {
            _pagesOk++;
            if (!rightUser) _wrongUser++;
            Now().PagesOk++;
            Attribute(attribution);
        }
    }

    /// <summary>A 401: the page and its session are lost (the user then logs in again).</summary>
    public void PageLost(int user, string? attribution)
    {
        lock (_gate)
        {
            _pagesLost++;
            _sessionsLost++;
            _usersWhoLost.Add(user);
            Now().PagesLost++;
            Attribute(attribution);
        }
    }

    /// <summary>A failed login or page: by reason, and by status when it was answered (outside 2xx; a page's 401 is lost, not failed).</summary>
    public void Failed(FailureReason reason, bool login, int? status = null, string? attribution = null)
    {
        lock (_gate)
        {
            _failures[(int)reason]++;
            if (status is int code) _statusCodes[code] = _statusCodes.GetValueOrDefault(code) + 1;
            if (login) _loginsFailed++;
            _failed++;
            Now().Failed++;
            Attribute(attribution);
        }
    }

    /// <summary>A session is over: its pages are done, it was lost, or the run stopped.</summary>
    public void SessionEnded(SessionTrace session) { lock (_gate) _sessionLog.Add(session); }

    public void Abandoned() { lock (_gate) _unfinished++; }

    public void Mark(string text) { lock (_gate) _marks.Add(new LoadMark(Elapsed, text)); }

    public SessionLoadProgress Progress(TimeSpan duration)
    {
        lock (_gate) return new(Elapsed, duration, _sessions, _sessionsLost, _pagesOk, _pagesLost, _failed);
    }

    public SessionLoadResult Result(SessionLoadTest test, TimeSpan offeredFor, StopReason stoppedBy)
    {
        lock (_gate)
        {
            // At least the seconds of the duration, so an idle tail shows as zeros rather than missing.
            var seconds = Math.Max(_seconds.Count, (int)Math.Ceiling(offeredFor.TotalSeconds));
            var timeline = Enumerable.Range(0, seconds).Select(s => s < _seconds.Count ? _seconds[s] : new Counts())
                .Select((c, s) => new SessionSecond(s, c.SessionsStarted, c.PagesOk, c.PagesLost, c.Failed)).ToList();
            return new SessionLoadResult
            {
                Label = test.Label,
                Url = test.Url,
                Duration = offeredFor,
                StoppedBy = stoppedBy,
                Clients = test.Clients,
                RequestsPerLogin = test.RequestsPerLogin,
                Logins = _logins,
                Sessions = _sessions,
                SessionsLost = _sessionsLost,
                ClientsWhoLostASession = _usersWhoLost.Count,
                Pages = _pages,
                PagesOk = _pagesOk,
                PagesLost = _pagesLost,
                WrongUser = _wrongUser,
                Unfinished = _unfinished,
                Failures = FailureReasons.ToDictionary(_failures),
                StatusCodes = _statusCodes.OrderBy(s => s.Key).ToDictionary(s => s.Key, s => s.Value),
                LoginsFailed = _loginsFailed,
                Timeline = timeline,
                ByAttribution = new Dictionary<string, long>(_byAttribution),
                Marks = [.. _marks],
                SessionLog = [.. _sessionLog],
            };
        }
    }

    /// <summary>The counts of the current second (by completion time). Call under the lock.</summary>
    private Counts Now()
    {
        var second = (int)Elapsed.TotalSeconds;
        while (_seconds.Count <= second) _seconds.Add(new Counts());
        return _seconds[second];
    }

    private void Attribute(string? value)
    {
        if (value is not null) _byAttribution[value] = _byAttribution.GetValueOrDefault(value) + 1;
    }
}
