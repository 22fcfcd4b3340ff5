using HdrHistogram;

namespace Workbook.LoadTesting;

/// <summary>
/// What a load run measured. <see cref="Requests"/> = <see cref="Ok"/> + <see cref="Failed"/> + <see cref="Unfinished"/>,
/// exactly; the timeline adds up to the same totals.
/// </summary>
public sealed record LoadResult
{
    public required string Label { get; init; }
    public required Uri Url { get; init; }
    public required string Profile { get; init; }
    public required ConnectionMode Connection { get; init; }

    /// <summary>How long load was offered (the phases, or less if a bound or cancellation stopped it).</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>When the run started (wall clock, UTC): the load stopped at <see cref="LoadStoppedAt"/>, the run ended at <see cref="EndedAt"/>.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When the run ended: after its load stopped and what was in flight was answered or abandoned (the end grace).</summary>
    public DateTimeOffset EndedAt { get; init; }

    /// <summary>When the load stopped: <see cref="StartedAt"/> + <see cref="Duration"/>.</summary>
    public DateTimeOffset LoadStoppedAt => StartedAt + Duration;

    /// <summary>Why the run stopped: its time, its request count, a <see cref="LoadRun.Stop()"/> or a cancel.</summary>
    public required StopReason StoppedBy { get; init; }

    /// <summary>Every request the run attempted.</summary>
    public required long Requests { get; init; }

    /// <summary>Requests answered with a 2xx status.</summary>
    public required long Ok { get; init; }

    /// <summary>
    /// Of <see cref="Ok"/>, the answers that came in after the load stopped, during the end grace: in the totals, not in
    /// <see cref="Throughput"/> (which, like wrk's, counts what was answered within <see cref="Duration"/>).
    /// </summary>
    public long OkAfterEnd { get; init; }

    /// <summary>Requests still in flight when the run ended; they were abandoned, not counted as failures.</summary>
    public required long Unfinished { get; init; }

    /// <summary>Failed requests by reason; every reason is there (0 when none failed so).</summary>
    public required IReadOnlyDictionary<FailureReason, long> Failures { get; init; }

    /// <summary>Responses outside 2xx, per status code.</summary>
    public required IReadOnlyDictionary<int, long> StatusCodes { get; init; }

    public required LatencySummary Latency { get; init; }
    public required IReadOnlyList<TimelineSecond> Timeline { get; init; }

    /// <summary>Responses per value of <see cref="LoadTest.AttributeBy"/> (empty when not set).</summary>
    public required IReadOnlyDictionary<string, long> ByAttribution { get; init; }

    public required IReadOnlyList<LoadMark> Marks { get; init; }

    /// <summary>Every latency recorded, in microseconds, for further analysis or plotting.</summary>
    public required HistogramBase LatencyHistogram { get; init; }

    public long Failed => Failures.Values.Sum();

    /// <summary>Successful requests per second: those answered within <see cref="Duration"/>, divided by it.</summary>
    public double Throughput => Duration > TimeSpan.Zero ? (Ok - OkAfterEnd) / Duration.TotalSeconds : 0;

    /// <summary>The failures by reason, e.g. "12 refused, 3 non-2xx (502)"; <paramref name="none"/> when there were none.</summary>
    public string DescribeFailures(string none) => FailureReasons.Describe(Failures, StatusCodes, none);

    public override string ToString()
    {
        var failures = DescribeFailures("no failures");
        return $"{Label}: {Requests:N0} requests in {Duration.TotalSeconds:0.0} s ({Profile}, {Connection}): {Ok:N0} ok, {failures}" +
               (Unfinished > 0 ? $", {Unfinished:N0} unfinished" : "") +
               $"; {Throughput:N0} req/s; latency p50 {FormatLatency(Latency.P50)}, p99 {FormatLatency(Latency.P99)}, max {FormatLatency(Latency.Max)}.";
    }

    /// <summary>A reason in the words every result uses: "refused", "reset", "timed out", "non-2xx"…</summary>
    public static string Describe(FailureReason reason) => reason switch
    {
        FailureReason.Refused => "refused",
        FailureReason.Reset => "reset",
        FailureReason.Timeout => "timed out",
        FailureReason.Status => "non-2xx",
        FailureReason.NotSent => "not sent (client limit)",
        _ => "other errors",
    };

    /// <summary>A latency as people read it: "0.84 ms", "12 ms", "1,530 ms".</summary>
    public static string FormatLatency(TimeSpan t) => t.TotalMilliseconds >= 10 ? $"{t.TotalMilliseconds:N0} ms" : $"{t.TotalMilliseconds:0.00} ms";
}
