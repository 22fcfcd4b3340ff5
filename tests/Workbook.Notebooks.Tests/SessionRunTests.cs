using Workbook.LoadTesting;

namespace Workbook.Notebooks.Tests;

/// <summary>What chapter 07 says about a session run against a cluster, checked on a session log built by hand.</summary>
public class SessionRunTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    /// <summary>
    /// Four users, two workers (10, 11) replaced by 20 at 1 s and 21 at 2 s. User 0 is on 10 at 1 s (lost), then on 11
    /// at 2 s (lost again); user 1 is on 11 at 1 s and finishes its pages on 11 as it drains at 2 s; user 2 is on 20
    /// both times; user 3 is between sessions at 1 s and on 11 at 2 s (lost).
    /// </summary>
    private static SessionRun Run()
    {
        SessionTrace[] log =
        [
            new(0, S(0.5), S(1.1), "10", true, "20"),
            new(0, S(1.2), S(2.1), "11", true, "21"),
            new(1, S(0.8), S(1.5), "11", false, null),
            new(1, S(1.6), S(2.05), "11", false, null),
            new(2, S(0.9), S(3.0), "20", false, null),
            new(3, S(0.2), S(0.9), "10", false, null),
            new(3, S(1.3), S(2.2), "11", true, "20"),
        ];
        var load = new SessionLoadResult
        {
            Label = "by hand", Url = new Uri("http://127.0.0.1:1/"), Duration = S(3), StoppedBy = StopReason.Stopped, Clients = 4,
            RequestsPerLogin = 10, Logins = log.Length, Sessions = log.Length, SessionsLost = 3, ClientsWhoLostASession = 2,
            Pages = 0, PagesOk = 0, PagesLost = 3, WrongUser = 0, Unfinished = 0,
            Failures = new Dictionary<FailureReason, long>(), StatusCodes = new Dictionary<int, long>(), LoginsFailed = 0,
            Timeline = [], ByAttribution = new Dictionary<string, long> { ["10"] = 5, ["11"] = 7, ["20"] = 9 }, Marks = [], SessionLog = log,
        };
        return new SessionRun(load, [10, 11, 20, 21], [new ReplacedWorker(10, 20, S(1)), new ReplacedWorker(11, 21, S(2))], S(1.1));
    }

    [Fact]
    public void Every_worker_is_shown_with_its_pages_an_idle_one_as_zero()
    {
        Assert.Equal([(10, 5L), (11, 7L), (20, 9L), (21, 0L)], Run().PagesByWorker);
        Assert.Equal("pid 10: 5 pages, pid 11: 7 pages, pid 20: 9 pages, pid 21: 0 pages", Run().DescribePagesByWorker());
    }

    [Fact]
    public void Each_replaced_worker_logs_out_the_users_it_held_as_it_left()
    {
        var hits = Run().RestartHits();

        Assert.Equal(1, hits[0].OnIt);
        Assert.Equal([0], hits[0].LoggedOut);
        Assert.Equal([("11", 1), ("20", 1)], hits[0].Elsewhere);
        Assert.Equal(1, hits[0].BetweenSessions); // user 3
        Assert.Equal(3, hits[1].OnIt);
        Assert.Equal([0, 3], hits[1].LoggedOut);
        Assert.Equal(1, hits[1].Finished); // user 1 finished its pages as 11 drained
        Assert.Equal([("20", 1)], hits[1].Elsewhere);
        Assert.Equal(0, hits[1].LostEarlier);

        var explained = Run().ExplainRestart();
        Assert.Contains("pid 10 left the rotation 1.00 s into the run: 1 users had a session on it; 1 were asked to log in again", explained);
        Assert.Contains("The other users: 1 on pid 11, 1 on pid 20, 1 between sessions.", explained);
        Assert.Contains("Users asked to log in again: 2 of 4: 1 + 2 on the replaced workers as they left, 1 of them on both (2 different users).", explained);
        Assert.Contains("Sessions lost: 3 of 7, 3 of them held by a replaced worker; the last lost 2.20 s into the run", explained);
    }
}
