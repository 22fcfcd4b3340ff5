using System.Net;
using System.Net.Sockets;
using System.Text;
using Workbook.Processes;

namespace Workbook.Examples.Tests;

/// <summary>examples/RawHttp, the floor the benchmark measures hello-world servers against: one answer per request, keep-alive.</summary>
public class RawHttpExampleTests
{
    [Fact]
    public async Task It_answers_every_request_on_a_kept_alive_connection_even_when_they_arrive_together_or_in_pieces()
    {
        var port = Programs.FreePort();
        await using var server = ChildProcess.Spawn("dotnet", [Programs.Dll("RawHttp"), port.ToString()]);
        var started = new TaskCompletionSource();
        server.Stdout!.Data += text => { if (text.Contains("Started process")) started.TrySetResult(); };
        await started.Task.WaitAsync(Programs.Timeout);

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Loopback, port);
        const string request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
        await client.SendAsync(Encoding.ASCII.GetBytes(request + request)); // two at once (pipelined)
        await client.SendAsync(Encoding.ASCII.GetBytes(request[..20]));       // a third in two pieces
        await Task.Delay(50);
        await client.SendAsync(Encoding.ASCII.GetBytes(request[20..]));

        var received = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Programs.Timeout);
        while (CountOf(received.ToString(), "HTTP/1.1 200 OK") < 3)
            received.Append(Encoding.ASCII.GetString(buffer, 0, await client.ReceiveAsync(buffer, timeout.Token)));
        Assert.Equal(3, CountOf(received.ToString(), "Hello world\n"));

        server.Kill();
        await server.Exited.WaitAsync(Programs.Timeout);
    }

    [Fact]
    public void A_bad_port_is_refused_with_exit_code_2()
    {
        var result = ChildProcess.SpawnSync("dotnet", [Programs.Dll("RawHttp"), "eighty"], new ExecOptions { Timeout = Programs.Timeout });
        Assert.Equal(2, result.Status);
        Assert.Contains("usage: RawHttp PORT", result.Stderr);
    }

    private static int CountOf(string text, string what) => (text.Length - text.Replace(what, "").Length) / what.Length;
}
