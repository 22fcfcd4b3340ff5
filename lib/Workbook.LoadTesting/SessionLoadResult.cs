namespace Workbook.LoadTesting;

/// <summary>
/// What a session run counted. Every request ends up in exactly one count:
/// <see cref="Logins"/> + <see cref="Pages"/> = <see cref="Sessions"/> + <see cref="PagesOk"/> + <see cref="PagesLost"/>
/// + <see cref="Failed"/> + <see cref="Unfinished"/>.
/// </summary>
public sealed record SessionLoadResult
{
    public required string Label { get; init; }
    public required Uri Url { get; init; }

    /// <summary>How long load was offered: the test's duration, or less if a bound, <see cref="SessionLoadRun.Stop()"/> or cancellation stopped it.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Why the run stopped: its time, its session count, a <see cref="SessionLoadRun.Stop()"/> or a cancel.</summary>
    public required StopReason StoppedBy { get; init; }

    public required int Clients { get; init; }

    /// <summary>The pages each session asked for (when it was not lost first).</summary>
    public required int RequestsPerLogin { get; init; }

    /// <summary>Logins sent.</summary>
    public required long Logins { get; init; }

    /// <summary>Logins that succeeded: sessions begun.</summary>
    public required long Sessions { get; init; }

    /// <summary>Sessions in which a page came back 401. A user stops at the first 401 and logs in again.</summary>
    public required long SessionsLost { get; init; }

    /// <summary>
    /// Clients (of <see cref="Clients"/>) that were asked to log in again at least once: how many of the users at the
    /// time a crowd of the same size would see losing their login.
    /// </summary>
    public required int ClientsWhoLostASession { get; init; }

    /// <summary>The share of clients that lost a session at least once.</summary>
    public double ClientLossRate => Clients > 0 ? (double)ClientsWhoLostASession / Clients : 0;

    /// <summary>Page requests sent.</summary>
    public required long Pages { get; init; }

    /// <summary>Pages answered 2xx (including any <see cref="WrongUser"/>).</summary>
    public required long PagesOk { get; init; }

    /// <summary>Pages answered 401: the worker did not know the session.</summary>
    public required long PagesLost { get; init; }

    /// <summary>2xx pages whose body does not name the user: another user's data. Must stay 0.</summary>
    public required long WrongUser { get; init; }

    /// <summary>Requests in flight when the run ended; abandoned, not counted as failures.</summary>
    public required long Unfinished { get; init; }

    /// <summary>Failed logins and pages by reason, as a <see cref="LoadResult"/> counts them; every reason is there (0 when none failed so).</summary>
    public required IReadOnlyDictionary<FailureReason, long> Failures { get; init; }

    /// <summary>Failed requests answered outside 2xx, per status code (a page's 401 is in <see cref="PagesLost"/>, not here; a login's is).</summary>
    public required IReadOnlyDictionary<int, long> StatusCodes { get; init; }

    /// <summary>Of <see cref="Failed"/>, the logins; the rest are pages.</summary>
    public required long LoginsFailed { get; init; }

    public required IReadOnlyList<SessionSecond> Timeline { get; init; }

    /// <summary>Page responses (any status) per value of <see cref="SessionLoadTest.AttributeBy"/>: which worker answered how often.</summary>
    public required IReadOnlyDictionary<string, long> ByAttribution { get; init; }

    public required IReadOnlyList<LoadMark> Marks { get; init; }

    /// <summary>Every session, in the order they ended: who was logged in where, and when (to explain a loss, e.g. which users a restart hit).</summary>
    public IReadOnlyList<SessionTrace> SessionLog { get; init; } = [];

    public long Failed => Failures.Values.Sum();

    /// <summary>The share of sessions that were lost (0 when there were none).</summary>
    public double SessionLossRate => Sessions > 0 ? (double)SessionsLost / Sessions : 0;

    /// <summary>The share of page requests answered 401 (0 when there were none).</summary>
    public double PageLossRate => Pages > 0 ? (double)PagesLost / Pages : 0;

    /// <summary>
    /// The failures by reason, in the words of <see cref="LoadResult.DescribeFailures"/>, and how many were logins, e.g.
    /// "12 refused, 3 non-2xx (502); 12 of them at login"; <paramref name="none"/> when there were none.
    /// </summary>
    public string DescribeFailures(string none) => Failed == 0 ? none
        : FailureReasons.Describe(Failures, StatusCodes, none) + (LoginsFailed > 0 ? $"; {LoginsFailed:N0} of them at login" : "");

    public override string ToString() =>
        $"{Label}: {Sessions:N0} logins, {SessionsLost:N0} lost a session ({SessionLossRate * 100:0.0}%), {Pages:N0} pages, " +
        (Failed == 0 ? "0 failed" : $"{Failed:N0} failed ({DescribeFailures("")})") +
        (WrongUser > 0 ? $", {WrongUser:N0} pages showed another user's data" : "") +
        (Unfinished > 0 ? $", {Unfinished:N0} unfinished" : "") +
        $"; {Clients} clients, {Duration.TotalSeconds:0.0} s.";
}
