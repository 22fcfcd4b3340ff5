namespace Workbook.Cluster;

/// <summary>A store call failed: the request was refused (not an integer, a malformed request) or the primary did not answer.</summary>
public sealed class SharedStoreException(string message, Exception? inner = null) : Exception(message, inner);
