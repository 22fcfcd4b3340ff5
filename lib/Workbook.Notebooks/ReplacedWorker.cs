namespace Workbook.Notebooks;

/// <summary>A worker that a rolling restart replaced during a session run, and when (seconds into the run).</summary>
public sealed record ReplacedWorker(int OldPid, int NewPid, TimeSpan At);
