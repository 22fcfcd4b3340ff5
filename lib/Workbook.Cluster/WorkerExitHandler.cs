namespace Workbook.Cluster;

/// <summary>How a worker ended: Node's <c>(code, signal)</c>.</summary>
public delegate void WorkerExitHandler(Worker worker, int? code, string? signal);
