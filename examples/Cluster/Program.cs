using System.Text;
using Workbook.Cluster;
using Workbook.Cluster.AspNetCore;
using Workbook.Processes;

// The notes' cluster.js + server.js. Usage (Options.Usage below):
// Started normally it is the primary: it forks the workers, which run this same program (Cluster.IsWorker).
// --no-cluster runs the server alone in this process (the notes' `node server.js`).
// SIGUSR2 to the primary: rolling restart. SIGTERM / SIGINT: graceful stop.
var options = Options.Parse(args);
if (options is null) return 2;
if (Cluster.IsPrimary && !options.NoCluster) return await Primary.RunAsync(options, args);
return await Server.RunAsync(options);

sealed record Options(int Port, int Workers, SchedulingPolicy Policy, long Work, int UsersEverySeconds, bool NoCluster)
{
    public const string Usage = "[--port N] [--workers N|max] [--policy round-robin|reuse-port|shared] [--work N] " +
        "[--users-every SECONDS] [--no-cluster] [--crash-after-max MS] [--crash-abruptly] [--no-restart] " +
        "[--hand-off-limit N|adaptive|none] [--require-file PATH]";

    /// <summary>Each worker exits with code 1 at a random moment in [0, MS) after it listens (the notes' availability demo).</summary>
    public int CrashAfterMaxMs { get; init; }

    /// <summary>The crash happens mid-request (a real crash) instead of between requests (as Node's timer does).</summary>
    public bool CrashAbruptly { get; init; }

    public bool NoRestart { get; init; }

    public HandOffLimit? HandOffLimit { get; init; } = new ClusterSettings().HandOffLimit;

    /// <summary>A worker exits with code 1 at start-up when this file is missing: a dependency that went away.</summary>
    public string? RequireFile { get; init; }

    public static Options? Parse(string[] args)
    {
        var o = new Options(8080, Environment.ProcessorCount, SchedulingPolicy.RoundRobin, 10_000_000, 0, false);
        for (int i = 0; i < args.Length; i++)
        {
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--port" when int.TryParse(value, out var port) && port is >= 0 and <= 65535: o = o with { Port = port }; i++; break;
                case "--workers" when value == "max": o = o with { Workers = Environment.ProcessorCount }; i++; break;
                case "--workers" when int.TryParse(value, out var n) && n > 0: o = o with { Workers = n }; i++; break;
                case "--policy" when value is "round-robin": o = o with { Policy = SchedulingPolicy.RoundRobin }; i++; break;
                case "--policy" when value is "reuse-port": o = o with { Policy = SchedulingPolicy.ReusePort }; i++; break;
                case "--policy" when value is "shared": o = o with { Policy = SchedulingPolicy.Shared }; i++; break;
                case "--work" when long.TryParse(value, out var w) && w >= 0: o = o with { Work = w }; i++; break;
                case "--users-every" when int.TryParse(value, out var s) && s >= 0: o = o with { UsersEverySeconds = s }; i++; break;
                case "--no-cluster": o = o with { NoCluster = true }; break;
                case "--crash-after-max" when int.TryParse(value, out var ms) && ms > 0: o = o with { CrashAfterMaxMs = ms }; i++; break;
                case "--crash-abruptly": o = o with { CrashAbruptly = true }; break;
                case "--no-restart": o = o with { NoRestart = true }; break;
                case "--hand-off-limit" when value == "none": o = o with { HandOffLimit = null }; i++; break;
                case "--hand-off-limit" when value == "adaptive": o = o with { HandOffLimit = HandOffLimit.Adaptive }; i++; break;
                case "--hand-off-limit" when int.TryParse(value, out var k) && k > 0: o = o with { HandOffLimit = k }; i++; break;
                case "--require-file" when !string.IsNullOrEmpty(value): o = o with { RequireFile = value }; i++; break;
                default:
                    Console.Error.WriteLine($"Cluster: bad argument '{args[i]}'. Usage: {Usage}");
                    return null;
            }
        }
        return o;
    }
}

/// <summary>
/// cluster.js: fork one worker per core (or --workers), report each as it starts listening, replace crashed
/// workers (unless --no-restart), rolling restart on SIGUSR2, stop on SIGTERM/SIGINT.
/// </summary>
static class Primary
{
    public static async Task<int> RunAsync(Options options, string[] args)
    {
        Console.WriteLine($"Primary PID: {Environment.ProcessId}");
        var primary = new ClusterPrimary(new ClusterSettings
        {
            Args = args,
            Workers = options.Workers,
            Port = options.Port,
            SchedulingPolicy = options.Policy,
            HandOffLimit = options.HandOffLimit,
            Restart = options.NoRestart ? RestartPolicy.Never : new RestartPolicy(),
        });
        primary.Listening += (worker, _) => Console.WriteLine($"Started process {worker.Pid}");
        primary.Restarting += (worker, _) => Console.WriteLine($"Worker {worker.Id} crashed. Starting a new worker...");
        primary.GaveUp += (worker, tries) => Console.WriteLine($"Worker {worker.Id} crashed at start-up too, after {tries} restarts that followed such crashes: no more restarts for its place.");
        primary.Replaced += step => step.Old.Exited.ContinueWith(_ => Console.WriteLine($"Exited process {step.Old.Pid}"));
        using var signals = primary.HandleSignals();

        try
        {
            await primary.StartAsync();
        }
        catch (ClusterException e)
        {
            Console.Error.WriteLine($"Cluster: {e.Message}");
            await primary.DisposeAsync();
            return 1;
        }
        // Forked by a notebook or a test: say where the cluster listens.
        if (ParentProcess.IsConnected) ParentProcess.Send(new Address(primary.Url.ToString(), Environment.ProcessId), Messages.Default.Address);

        using var users = options.UsersEverySeconds > 0 ? UsersBroadcast(primary, TimeSpan.FromSeconds(options.UsersEverySeconds)) : null;
        var signal = await primary.ShutdownRequested;
        Console.WriteLine($"{signal}: stopping the workers");
        await primary.DisposeAsync();
        return 0;
    }

    /// <summary>The notes' mock database: the users count squares on every call ("dream growth").</summary>
    private static Timer UsersBroadcast(ClusterPrimary primary, TimeSpan every)
    {
        long count = 5;
        return new Timer(_ =>
        {
            count = count * count % 1_000_000_007; // one "query"; kept finite
            primary.Broadcast(new UsersCount(count), Messages.Default.UsersCount);
        }, null, TimeSpan.Zero, every);
    }
}

/// <summary>
/// server.js: a little CPU work per request, then which process handled it. Messages from the primary:
/// { usersCount } is kept and shown in responses, { ping } is answered with { pong, worker, pid }, anything else printed.
/// </summary>
static class Server
{
    private static long? _usersCount;
    private static ulong _sink;

    public static async Task<int> RunAsync(Options options)
    {
        if (options.RequireFile is { } required && !File.Exists(required))
        {
            Console.Error.WriteLine($"Cluster: {required} is missing; this server cannot start.");
            return 1;
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseClusterWorker();
        if (!Cluster.IsWorker) builder.WebHost.UseUrls($"http://127.0.0.1:{options.Port}");
        var app = builder.Build();

        ParentProcess.Message += message =>
        {
            if (message.TryGetProperty("usersCount", out var users)) _usersCount = users.GetInt64();
            else if (message.TryGetProperty("ping", out var ping)) ParentProcess.Send(new Pong(ping, Cluster.WorkerId, Environment.ProcessId), Messages.Default.Pong);
            else Console.WriteLine($"Message from primary: {message}");
        };

        var pid = Environment.ProcessId;
        // Any method, as the notes' http.createServer handler: HEAD (curl -I) too, with X-Worker-Pid and no body.
        app.Map("/", (HttpContext context) =>
        {
            ulong sum = 0;
            for (long i = 0; i < options.Work; i++) sum += (ulong)i; // the notes' simulated CPU work
            _sink = sum;
            return Answer(context, pid);
        });
        app.Map("/slow", async (HttpContext context, int ms) =>
        {
            await Task.Delay(ms);
            await Answer(context, pid);
        });

        try
        {
            await app.StartAsync();
        }
        catch (OperationCanceledException) when (app.Lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return 0; // told to stop (the primary disconnected it) before it listened
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"Cluster: cannot listen on port {options.Port}: {e.Message}");
            return 1;
        }
        if (app.Services.GetService<ClusterWorker>() is { } worker && options.CrashAfterMaxMs > 0)
        {
            // The notes' server.js: setTimeout(() => process.exit(1), Math.random() * 10000).
            var after = TimeSpan.FromMilliseconds(Random.Shared.Next(options.CrashAfterMaxMs));
            _ = Task.Delay(after).ContinueWith(_ =>
            {
                if (options.CrashAbruptly) worker.ExitNow(1);
                else _ = worker.ExitBetweenRequestsAsync(1);
            });
        }
        if (!Cluster.IsWorker)
        {
            Console.WriteLine($"Started process {pid}");
            if (ParentProcess.IsConnected) ParentProcess.Send(new Address(app.Urls.First(), pid), Messages.Default.Address);
        }
        await app.WaitForShutdownAsync();
        return 0;
    }

    private static Task Answer(HttpContext context, int pid)
    {
        var body = Encoding.UTF8.GetBytes($"Handled by process {pid}\n" + (_usersCount is long users ? $"Users: {users}\n" : ""));
        context.Response.Headers["X-Worker-Pid"] = pid.ToString();
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = body.Length; // so HTTP/1.0 clients (ab -k) can keep the connection
        return context.Response.Body.WriteAsync(body).AsTask();
    }
}
