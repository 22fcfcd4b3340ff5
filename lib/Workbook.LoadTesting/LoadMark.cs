namespace Workbook.LoadTesting;

/// <summary>Something that happened during a run, at a point in time (e.g. "worker 3 crashed" at 4.2 s).</summary>
public sealed record LoadMark(TimeSpan At, string Text);
