using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Garnet;
using Garnet.common;
using Garnet.server;
using Workbook.Processes;

// A Redis-protocol server for the chapters on shared state, so they need no Redis install: Microsoft Garnet,
// embedded in this process. Usage: RedisServer [--port N] [--memory SIZE]
//   --port 0 or absent: a free port. --memory: Garnet's log memory, e.g. 64m (the default) or 1g; at least 4m.
// In memory only: no disk tier, no append-only file, no checkpoints; nothing is written to disk. Once the log
// memory is full, the oldest records are dropped. Lua (EVAL) is off, as in Garnet's defaults.
// Forked (ChildProcess.Fork) it sends { url, pid } to its parent when ready, and stops when the parent's channel
// closes, so a parent that dies leaves no server behind. SIGTERM / SIGINT: stops cleanly, exit code 0.
const string Usage = "Usage: RedisServer [--port N] [--memory SIZE]";
const long PageBytes = 1 << 20;
const long MinMemory = 4 * PageBytes; // Garnet needs at least 4 log pages

ParentProcess.ExitOnDisconnect = false; // stop Garnet ourselves, below
var stop = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult("SIGTERM"); });
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult("SIGINT"); });
ParentProcess.Disconnected += () => stop.TrySetResult("parent disconnected");

var requestedPort = 0;
var memory = "64m";
for (int i = 0; i < args.Length; i += 2)
{
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--port" when int.TryParse(value, out var p) && p is >= 0 and <= 65535: requestedPort = p; break;
        case "--port":
            return Fail(2, $"bad --port {Quoted(value)}: expected a number from 0 to 65535 (0: a free port). {Usage}");
        case "--memory" when value is not null && SizeInBytes(value) >= MinMemory: memory = value; break;
        case "--memory":
            return Fail(2, $"bad --memory {Quoted(value)}: expected a size such as 64m or 1g, at least 4m. {Usage}");
        default:
            return Fail(2, $"unknown argument '{args[i]}'. {Usage}");
    }
}

// A free port is found by binding port 0 and closing the socket, then Garnet binds it: another process may take it
// in between, so that case is tried once more with a new port.
GarnetServer? server = null;
var port = 0;
for (var attempt = 1; server is null; attempt++)
{
    port = requestedPort != 0 ? requestedPort : FreePort();
    GarnetServer? candidate = null;
    try
    {
        candidate = new GarnetServer(new GarnetServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, port)],
            LogMemorySize = memory,
            PageSize = "1m",
            IndexMemorySize = "1m", // hash index, Garnet's default 128m: ~100k keys in place, more in overflow buckets
            QuietMode = true,
        });
        candidate.Start();
        server = candidate;
    }
    catch (GarnetException e) when (e.InnerException is SocketException socketError)
    {
        candidate?.Dispose();
        if (socketError.SocketErrorCode == SocketError.AddressAlreadyInUse && requestedPort == 0 && attempt == 1) continue;
        return Fail(1, socketError.SocketErrorCode == SocketError.AddressAlreadyInUse
            ? $"cannot listen on 127.0.0.1:{port}: the port is in use."
            : $"cannot listen on 127.0.0.1:{port}: {socketError.Message}.");
    }
    catch (Exception e)
    {
        candidate?.Dispose();
        return Fail(1, $"Garnet did not start: {e.Message}");
    }
}

var url = $"127.0.0.1:{port}";
Console.WriteLine($"Redis-protocol server (Garnet) listening on {url} (pid {Environment.ProcessId})");
if (ParentProcess.IsConnected)
{
    try
    {
        ParentProcess.Send(new { url, pid = Environment.ProcessId });
    }
    catch (InvalidOperationException)
    {
        // The channel closed just now: Disconnected stops the server.
    }
}

var reason = await stop.Task;
server.Dispose();
Console.WriteLine($"Redis-protocol server on {url} stopped ({reason})");
return 0;

static int Fail(int exitCode, string message)
{
    Console.Error.WriteLine($"RedisServer: {message}");
    return exitCode;
}

static string Quoted(string? value) => value is null ? "(no value)" : $"'{value}'";

static int FreePort()
{
    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    return ((IPEndPoint)socket.LocalEndPoint!).Port;
}

// Garnet's size format: digits, optionally k/m/g and an optional b (64m, 64mb, 1G, 65536).
static long? SizeInBytes(string text)
{
    var match = Regex.Match(text, "^([0-9]+)([kmg]b?)?$", RegexOptions.IgnoreCase);
    if (!match.Success || !long.TryParse(match.Groups[1].Value, out var number)) return null;
    var shift = char.ToLowerInvariant(match.Groups[2].Value.FirstOrDefault()) switch { 'k' => 10, 'm' => 20, 'g' => 30, _ => 0 };
    return number <= long.MaxValue >> shift ? number << shift : null;
}
