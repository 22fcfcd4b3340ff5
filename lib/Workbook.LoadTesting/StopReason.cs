namespace Workbook.LoadTesting;

/// <summary>Why a load run stopped sending load: the reason its result reports (<see cref="LoadResult.StoppedBy"/>, <see cref="SessionLoadResult.StoppedBy"/>).</summary>
public enum StopReason
{
    /// <summary>Its time bound (<see cref="LoadTest.Duration"/>, <see cref="SessionLoadTest.Duration"/>) ran out.</summary>
    Time,

    /// <summary>It sent <see cref="LoadTest.MaxRequests"/> requests.</summary>
    RequestCount,

    /// <summary>Its users completed <see cref="SessionLoadTest.MaxSessions"/> sessions.</summary>
    SessionCount,

    /// <summary>Its caller stopped it before the time bound (<see cref="LoadRun.Stop()"/>, <see cref="SessionLoadRun.Stop()"/>); what was in flight could finish.</summary>
    Stopped,

    /// <summary>It was cancelled: what was in flight was abandoned.</summary>
    Cancelled,
}
