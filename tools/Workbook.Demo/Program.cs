using Workbook.Demo;

// The instructor's demo: the notes' cluster with a live table of its workers and keys to break it.
//   dotnet run --project tools/Workbook.Demo -- --workers 2 --load
// Usage and keys: DemoOptions.Usage, Dashboard.Keys. With stdin redirected, keys are read as characters and
// its end quits; with stdout redirected, the dashboard prints plain snapshots.
var (options, error) = DemoOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine($"Workbook.Demo: {error}. Usage: {DemoOptions.Usage}");
    return 2;
}
if (options.Help)
{
    Console.WriteLine($"Usage: {DemoOptions.Usage}");
    Console.WriteLine($"Keys: {Dashboard.Keys}");
    Console.WriteLine("With stdin redirected, keys are read as characters and its end quits. The load goes to 127.0.0.1 only.");
    return 0;
}
return await Demo.RunAsync(options);
