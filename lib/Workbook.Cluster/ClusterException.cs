namespace Workbook.Cluster;

/// <summary>The cluster could not start or run as asked: a port in use, a worker that could not start or never listened.</summary>
public sealed class ClusterException(string message, Exception? inner = null) : Exception(message, inner);
