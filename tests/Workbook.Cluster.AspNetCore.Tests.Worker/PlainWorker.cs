using System.Net.Sockets;
using System.Text;
using Workbook.Processes;

namespace Workbook.Cluster.AspNetCore.Tests.Worker;

/// <summary>
/// A cluster worker with no web framework: connections from <see cref="ClusterChild"/> (handed over, or accepted
/// from its listening socket), one HTTP/1.1 request per connection. On the primary's disconnect request it stops
/// accepting, answers what it has and exits 0.
/// </summary>
internal static class PlainWorker
{
    private static readonly int Pid = Environment.ProcessId;

    public static async Task<int> RunAsync(ClusterChild child)
    {
        var serving = new List<Task>();
        if (child.Policy == SchedulingPolicy.RoundRobin)
        {
            var connections = child.ReceiveConnections();
            child.ReportListening();
            // After a disconnect request the primary sends what it assigned here, then the end: AcceptAsync gives null.
            while (await connections.AcceptAsync() is { } handed)
                lock (serving) serving.Add(ServeAsync(handed.Socket, handed.Settle));
        }
        else
        {
            using var listener = child.TakeListeningSocket();
            using var stop = child.DisconnectRequested.Register(listener.Dispose);
            child.ReportListening();
            while (true)
            {
                Socket connection;
                try
                {
                    connection = await listener.AcceptAsync();
                }
                catch (Exception e) when (e is ObjectDisposedException or SocketException && child.DisconnectRequested.IsCancellationRequested)
                {
                    break;
                }
                lock (serving) serving.Add(ServeAsync(connection, settle: null));
            }
        }
        Task[] inFlight;
        lock (serving) inFlight = [.. serving];
        await Task.WhenAny(Task.WhenAll(inFlight), Task.Delay(child.DrainTimeout));
        return 0;
    }

    private static async Task ServeAsync(Socket connection, Action? settle)
    {
        try
        {
            using (connection)
            {
                var target = await ReadRequestTargetAsync(connection);
                if (target is null) return;
                ParentProcess.Send(new { request = target, pid = Pid });
                if (target.StartsWith("/slow?ms=", StringComparison.Ordinal) && int.TryParse(target["/slow?ms=".Length..], out var ms))
                    await Task.Delay(ms);
                var body = $"Handled by process {Pid}\n";
                var response = $"HTTP/1.1 200 OK\r\nX-Worker-Pid: {Pid}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
                await connection.SendAsync(Encoding.ASCII.GetBytes(response));
                connection.Shutdown(SocketShutdown.Send);
            }
        }
        catch (SocketException)
        {
            // The client went away.
        }
        finally
        {
            settle?.Invoke();
        }
    }

    /// <summary>Reads the request head; returns its target ("/slow?ms=100"), or null when the client sent none.</summary>
    private static async Task<string?> ReadRequestTargetAsync(Socket connection)
    {
        var head = new StringBuilder();
        var buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n"))
        {
            var read = await connection.ReceiveAsync(buffer);
            if (read == 0 || head.Length > 64 * 1024) return null;
            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        var requestLine = head.ToString()[..head.ToString().IndexOf("\r\n", StringComparison.Ordinal)].Split(' ');
        return requestLine.Length == 3 ? requestLine[1] : null;
    }
}
