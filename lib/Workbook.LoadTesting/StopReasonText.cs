namespace Workbook.LoadTesting;

/// <summary>The words a result's summary uses for a <see cref="StopReason"/>.</summary>
public static class StopReasonText
{
    /// <summary>"time", "request count", "session count", "Stop()" or "cancellation": what follows "stopped by" in a summary.</summary>
    public static string Describe(this StopReason reason) => reason switch
    {
        StopReason.Time => "time",
        StopReason.RequestCount => "request count",
        StopReason.SessionCount => "session count",
        StopReason.Stopped => "Stop()",
        StopReason.Cancelled => "cancellation",
        _ => reason.ToString(),
    };
}
