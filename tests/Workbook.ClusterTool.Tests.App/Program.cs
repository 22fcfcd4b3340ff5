// An ordinary web app, as `dotnet new web` makes it plus three endpoints the tests read: which process answered,
// a setting from its own appsettings.json (found only when its content root is its folder), and its arguments;
// --crash-at-start makes it throw before it listens; /grow?mb=N holds N MiB more, a leak on purpose.
if (args.Contains("--crash-at-start")) throw new InvalidOperationException("this app was told to crash at start");
// --slim builds the host as WebApplication.CreateSlimBuilder does, which runs no hosting startups.
var builder = args.Contains("--slim") ? WebApplication.CreateSlimBuilder(args) : WebApplication.CreateBuilder(args);
var app = builder.Build();

app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"app started in {Environment.ProcessId}"));
app.Lifetime.ApplicationStopping.Register(() => Console.WriteLine($"app stopping in {Environment.ProcessId}"));

app.MapGet("/", () => "Hello World!");
app.MapGet("/pid", () => Environment.ProcessId.ToString());
app.MapGet("/setting", (IConfiguration config) => config["Greeting"] ?? "(no Greeting: appsettings.json not found)");
app.MapGet("/args", () => string.Join(' ', args));
app.MapGet("/grow", (int mb) =>
{
    var block = new byte[mb << 20];
    Array.Fill(block, (byte)1); // touched, so it is resident
    Held.Add(block);
    return Environment.ProcessId.ToString();
});

app.Run();

/// <summary>What /grow allocated, kept for the life of the process (a leak on purpose, for max_memory_restart).</summary>
static partial class Program
{
    public static readonly List<byte[]> Held = [];
}
