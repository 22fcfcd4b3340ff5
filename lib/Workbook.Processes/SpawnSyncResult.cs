namespace Workbook.Processes;

/// <summary>Node's <c>spawnSync</c> result: it reports failures instead of throwing them.</summary>
public sealed record SpawnSyncResult(int? Pid, string Stdout, string Stderr, int? Status, string? Signal, Exception? Error);
