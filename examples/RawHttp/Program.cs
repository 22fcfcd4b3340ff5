using System.Net;
using System.Net.Sockets;
using System.Text;

// The floor under every hello-world server here: no HTTP parser, no routing, no framework. It answers each request it
// sees (counted by the blank line that ends a request head without a body) with one fixed response, keep-alive.
// For keep-alive clients (wrk): it never closes a connection itself. Usage: RawHttp PORT; prints "Started process PID".
if (args.Length != 1 || !int.TryParse(args[0], out var port) || port is < 0 or > 65535)
{
    Console.Error.WriteLine("RawHttp: usage: RawHttp PORT");
    return 2;
}
var response = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 12\r\nContent-Type: text/plain\r\n\r\nHello world\n");
using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
listener.Listen(512);
Console.WriteLine($"Started process {Environment.ProcessId}");
while (true)
{
    var connection = await listener.AcceptAsync();
    _ = ServeAsync(connection);
}

async Task ServeAsync(Socket connection)
{
    using var _ = connection;
    connection.NoDelay = true;
    var buffer = new byte[4096];
    int matched = 0; // how much of "\r\n\r\n" the bytes so far end with
    try
    {
        while (true)
        {
            var read = await connection.ReceiveAsync(buffer);
            if (read == 0) return;
            int requests = 0;
            foreach (var b in buffer.AsSpan(0, read))
            {
                matched = b == "\r\n\r\n"[matched] ? matched + 1 : b == '\r' ? 1 : 0;
                if (matched == 4) { requests++; matched = 0; }
            }
            for (int i = 0; i < requests; i++) await connection.SendAsync(response);
        }
    }
    catch (SocketException)
    {
        // The client went away.
    }
}
