using Workbook.Processes;

// The notes' parent.js, bounded: it says which child it forked, listens for a few seconds (default 5; --seconds N),
// then disconnects.
var seconds = args.Length > 1 && args[0] == "--seconds" ? double.Parse(args[1]) : 5;
var forked = ChildProcess.Fork(ExamplePaths.Dll("MessageChild"));
Console.WriteLine($"parent {Environment.ProcessId} forked child {forked.Pid}");
forked.Message += message => Console.WriteLine($"Message from child {message}");
forked.Send(new { hello = "world" });

await Task.Delay(TimeSpan.FromSeconds(seconds));
forked.Disconnect();
var exit = await forked.Exited;
Console.WriteLine($"child {forked.Pid} exited with {exit} after the parent disconnected");
