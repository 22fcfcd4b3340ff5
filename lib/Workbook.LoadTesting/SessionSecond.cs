namespace Workbook.LoadTesting;

/// <summary>One second of a session run, by completion time; the seconds add up to the result's totals.</summary>
public sealed record SessionSecond(int Second, long SessionsStarted, long PagesOk, long PagesLost, long Failed);
