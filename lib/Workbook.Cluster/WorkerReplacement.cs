namespace Workbook.Cluster;

/// <summary>One step of a rolling restart: <paramref name="New"/> listened, then <paramref name="Old"/> was stopped.</summary>
public sealed record WorkerReplacement(Worker Old, Worker New);
