using Microsoft.AspNetCore.Connections;

namespace Workbook.Cluster.AspNetCore;

/// <summary>A connection listener that can stop accepting while the server keeps running (a drain).</summary>
internal interface IStoppableListener : IConnectionListener
{
    /// <summary>Takes no new connections; completes when the last one this listener will give has arrived.</summary>
    Task StopAcceptingAsync();
}
