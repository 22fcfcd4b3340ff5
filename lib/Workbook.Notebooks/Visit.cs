namespace Workbook.Notebooks;

/// <summary>One answer of examples/Sessions' <c>GET /visits</c>: the process, its own count, the shared store's (null without one).</summary>
public sealed record Visit(int Pid, long ThisWorker, long? Shared);
