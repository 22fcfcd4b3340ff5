using System.Globalization;
using Workbook.Processes;

// The notes' spawn_detached.js: start the timer detached (a new session and process group), with its stdio ignored,
// unref it, and exit at once. The timer keeps running without its parent. Usage: SpawnDetached [--seconds N]
// (how long the timer runs; 10 s by default, as the notes' timer.js).
var seconds = 10.0;
if (args.Length > 0 && !(args.Length == 2 && args[0] == "--seconds"
        && double.TryParse(args[1], CultureInfo.InvariantCulture, out seconds) && seconds > 0))
{
    Console.Error.WriteLine("SpawnDetached: usage: SpawnDetached [--seconds N] (N > 0)");
    return 2;
}

var timer = ChildProcess.Spawn(Environment.ProcessPath ?? "dotnet",
    [ExamplePaths.Dll("Timer"), "--seconds", seconds.ToString(CultureInfo.InvariantCulture)],
    new SpawnOptions { Detached = true, Stdio = StdioMode.Ignore });
if (timer.Pid is null)
{
    Console.Error.WriteLine("SpawnDetached: the timer did not start (its error is above).");
    return 1;
}
timer.Unref(); // without this, a .NET parent ends its still-running children as it exits
Console.WriteLine($"parent {Environment.ProcessId} started the timer {timer.Pid} and exits now");
return 0;
