// The notes' timer.js: keeps running for a while (10 s unless told otherwise), then says so.
var seconds = args.Length > 1 && args[0] == "--seconds" ? double.Parse(args[1]) : 10;
await Task.Delay(TimeSpan.FromSeconds(seconds));
Console.WriteLine("timer runs");
