using Workbook.LoadTesting;

namespace Workbook.Notebooks;

/// <summary>
/// What an open-model run left waiting when its time was up: the requests sent during the run that had no answer
/// (ok or failed) by its end, and how much of the server's work that is at the rate it answered. A server that keeps
/// up leaves only the few requests sent in its last milliseconds; one that cannot keep up leaves a queue.
/// </summary>
public sealed record Backlog(string Label, long Sent, long AnsweredInTime, TimeSpan Offered)
{
    /// <summary>The backlog of <paramref name="run"/>: its requests, less those answered within the seconds load was offered.</summary>
    public static Backlog Of(LoadResult run)
    {
        var seconds = ChartRules.Offered(run).Seconds;
        return new Backlog(run.Label, run.Requests, seconds.Sum(s => s.Ok + s.Failed), TimeSpan.FromSeconds(seconds.Count));
    }

    /// <summary>Requests sent but not answered when the load stopped.</summary>
    public long Waiting => Math.Max(0, Sent - AnsweredInTime);

    /// <summary>Answers per second while load was offered.</summary>
    public double AnsweredPerSecond => Offered > TimeSpan.Zero ? AnsweredInTime / Offered.TotalSeconds : 0;

    /// <summary>How long the server needs for the waiting requests at the rate it answered.</summary>
    public TimeSpan WorkLeft => AnsweredPerSecond > 0 ? TimeSpan.FromSeconds(Waiting / AnsweredPerSecond) : TimeSpan.Zero;

    /// <inheritdoc />
    public override string ToString() =>
        $"{Label}: sent {Sent:N0}, answered {AnsweredInTime:N0} in its {Offered.TotalSeconds:0} s ({AnsweredPerSecond:N0}/s); " +
        $"{Waiting:N0} still waiting when the load stopped = {WorkLeft.TotalSeconds:0.00} s of work at that rate";
}
