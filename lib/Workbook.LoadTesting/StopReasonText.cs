namespace Workbook.LoadTesting;

/// <summary>The words a result's summary uses for a <see cref="StopReason"/>.</summary>
public static class StopReasonText
{
    /// <summary>"time", "request count", "session count", "stopped early" or "cancelled".</summary>
    public static string Describe(this StopReason reason) => reason switch
    {
        StopReason.Time => "time",
        StopReason.RequestCount => "request count",
        StopReason.SessionCount => "session count",
        StopReason.Stopped => "stopped early",
        StopReason.Cancelled => "cancelled",
        _ => reason.ToString(),
    };
}
