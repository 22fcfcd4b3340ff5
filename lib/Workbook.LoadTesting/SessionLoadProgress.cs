namespace Workbook.LoadTesting;

/// <summary>A progress snapshot of a session run that is still going.</summary>
public sealed record SessionLoadProgress(
    TimeSpan Elapsed, TimeSpan Duration, long Sessions, long SessionsLost, long PagesOk, long PagesLost, long Failed);
