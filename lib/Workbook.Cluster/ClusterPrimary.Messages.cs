using System.Text.Json;
using Microsoft.Extensions.Logging;
using Workbook.Processes;

namespace Workbook.Cluster;

// What a worker says: the cluster's own messages (online, listening, the shared store), the user's, its disconnect and its exit.
public sealed partial class ClusterPrimary
{
    private void Wire(Worker worker)
    {
        var process = worker.Process;
        var prefix = $"[worker {worker.Id}] ";
        ForwardLines(process.Stdout!, prefix, error: false, tail: null);
        ForwardLines(process.Stderr!, prefix, error: true, worker.StderrTail);

        process.SubscribeInternal(message =>
        {
            switch (message.GetProperty(ClusterMessages.Marker).GetString())
            {
                case ClusterMessages.Online:
                    _logger?.LogInformation("{Worker} online", worker);
                    worker.OnOnline();
                    Raise(Online, h => h(worker));
                    break;
                case ClusterMessages.Listening:
                    var port = message.TryGetProperty("port", out var p) ? p.GetInt32() : Port;
                    _handle?.Add(worker.Id);
                    lock (worker.WorkerPlace)
                    {
                        if (worker.WorkerPlace.Current == worker) worker.WorkerPlace.Supervised = true;
                    }
                    _logger?.LogInformation("{Worker} listening on port {Port}", worker, port);
                    worker.OnListening(port);
                    Raise(Listening, h => h(worker, port));
                    break;
                case StoreProtocol.Request:
                    try
                    {
                        process.Send(Store.Serve(message));
                    }
                    catch (InvalidOperationException)
                    {
                        // The worker is gone: nobody waits for the reply.
                    }
                    break;
            }
        });
        process.Message += message =>
        {
            if (message.ValueKind == JsonValueKind.String && message.GetString() == "ready") worker.OnReady();
            worker.OnMessage(message);
            Raise(Message, h => h(worker, message));
        };
        var disconnected = new ManualResetEventSlim();
        process.Disconnected += () =>
        {
            StopRouting(worker);
            _logger?.LogInformation("{Worker} disconnected", worker);
            worker.OnDisconnected();
            Raise(Disconnected, h => h(worker));
            disconnected.Set();
        };
        process.Exit += (code, signal) =>
        {
            // Node's order: 'disconnect', then 'exit'. The channel's end-of-file and the exit status come from two
            // sources that race; the end-of-file follows the exit within milliseconds, so wait for it (bounded).
            disconnected.Wait(TimeSpan.FromSeconds(1));
            StopRouting(worker);
            RescueConnections(worker);
            _workers.TryRemove(worker.Id, out _);
            var exit = new ChildExit(code, signal);
            if (worker.ExitedAfterDisconnect) _logger?.LogInformation("{Worker} exited with {Exit} after disconnect", worker, exit);
            else _logger?.LogWarning("{Worker} exited with {Exit}", worker, exit);
            worker.OnExit(exit);
            Raise(Exit, h => h(worker, code, signal));
            Supervise(worker, exit);
            ClosePortIfNoWorkerIsLeft();
        };
    }
}
