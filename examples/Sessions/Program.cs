using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Workbook.Cluster;
using Workbook.Cluster.AspNetCore;
using Workbook.Processes;

// A login app run as a cluster (Options.Usage below). POST /login?user=NAME keeps NAME in the session;
// GET /profile needs it (401 without). Where the session lives is the point: --store memory (each worker's own),
// primary (the primary's shared store), redis (a Redis-protocol server: REDIS_URL or --redis-url, else one the
// primary starts). --affinity ip|cookie makes the primary route returning clients to the same worker.
var options = Options.Parse(args);
if (options is null) return 2;
if (Cluster.IsPrimary && !options.NoCluster) return await Primary.RunAsync(options, args);
return await Server.RunAsync(options);

enum Store { Memory, Primary, Redis }

sealed record Options(int Port, int Workers, Store Store, SessionAffinity Affinity, string? RedisUrl, string? KeysDirectory, bool NoCluster)
{
    public const string Usage = "[--port N] [--workers N] [--store memory|primary|redis] [--redis-url HOST:PORT] " +
        "[--affinity none|ip|cookie] [--keys DIRECTORY] [--no-cluster]";

    // --keys: where the data-protection keys that encrypt session cookies are kept (default: $TMPDIR/workbook-session-keys).

    public static Options? Parse(string[] args)
    {
        var o = new Options(8080, Environment.ProcessorCount, Store.Memory, SessionAffinity.None,
            Environment.GetEnvironmentVariable("REDIS_URL") is { Length: > 0 } url ? url : null, null, false);
        for (int i = 0; i < args.Length; i++)
        {
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--port" when int.TryParse(value, out var port) && port is >= 0 and <= 65535: o = o with { Port = port }; i++; break;
                case "--workers" when int.TryParse(value, out var n) && n > 0: o = o with { Workers = n }; i++; break;
                case "--store" when value is "memory": o = o with { Store = Store.Memory }; i++; break;
                case "--store" when value is "primary": o = o with { Store = Store.Primary }; i++; break;
                case "--store" when value is "redis": o = o with { Store = Store.Redis }; i++; break;
                case "--redis-url" when !string.IsNullOrWhiteSpace(value): o = o with { RedisUrl = value }; i++; break;
                case "--affinity" when value is "none": o = o with { Affinity = SessionAffinity.None }; i++; break;
                case "--affinity" when value is "ip": o = o with { Affinity = SessionAffinity.ClientIp }; i++; break;
                case "--affinity" when value is "cookie": o = o with { Affinity = SessionAffinity.Cookie }; i++; break;
                case "--keys" when !string.IsNullOrWhiteSpace(value): o = o with { KeysDirectory = value }; i++; break;
                case "--no-cluster": o = o with { NoCluster = true }; break;
                default:
                    Console.Error.WriteLine($"Sessions: bad argument '{args[i]}'. Usage: {Usage}");
                    return null;
            }
        }
        return o;
    }
}

/// <summary>
/// Forks the workers; with --store redis and no server given, first starts one (examples/RedisServer) and ends it
/// at exit. SIGUSR2: rolling restart; SIGTERM/SIGINT: stop.
/// </summary>
static class Primary
{
    public static async Task<int> RunAsync(Options options, string[] args)
    {
        Console.WriteLine($"Primary PID: {Environment.ProcessId}");
        ChildProcess? redis = null;
        try
        {
            var extra = new List<string>();
            if (options.Store == Store.Redis)
            {
                var url = options.RedisUrl;
                if (url is null)
                {
                    (redis, url) = await StartRedisAsync();
                    if (redis is null) return 1;
                }
                extra.AddRange(["--redis-url", url!]);
                Console.WriteLine($"Sessions in the Redis-protocol server at {url}");
            }

            var primary = new ClusterPrimary(new ClusterSettings
            {
                Args = [.. args, .. extra],
                Workers = options.Workers,
                Port = options.Port,
                SessionAffinity = options.Affinity,
            });
            primary.Listening += (worker, _) => Console.WriteLine($"Started process {worker.Pid}");
            primary.Restarting += (worker, _) => Console.WriteLine($"Worker {worker.Id} crashed. Starting a new worker...");
            primary.Replaced += step => step.Old.Exited.ContinueWith(_ => Console.WriteLine($"Exited process {step.Old.Pid}"));
            using var signals = primary.HandleSignals();
            try
            {
                await primary.StartAsync();
            }
            catch (ClusterException e)
            {
                Console.Error.WriteLine($"Sessions: {e.Message}");
                await primary.DisposeAsync();
                return 1;
            }
            Console.WriteLine($"Listening on {primary.Url}");
            if (ParentProcess.IsConnected) ParentProcess.Send(new { url = primary.Url.ToString(), pid = Environment.ProcessId });
            var signal = await primary.ShutdownRequested;
            Console.WriteLine($"{signal}: stopping the workers");
            await primary.DisposeAsync();
            return 0;
        }
        finally
        {
            if (redis is not null)
            {
                redis.Kill("SIGTERM");
                await Task.WhenAny(redis.Exited, Task.Delay(TimeSpan.FromSeconds(5)));
                redis.Kill("SIGKILL");
            }
        }
    }

    /// <summary>Forks examples/RedisServer (embedded Garnet) on a free port and waits for its address.</summary>
    private static async Task<(ChildProcess?, string?)> StartRedisAsync()
    {
        var server = ChildProcess.Fork(ExamplePaths.Dll("RedisServer"), ["--port", "0"]);
        try
        {
            var started = await server.NextMessageAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return (server, started.GetProperty("url").GetString());
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or KeyNotFoundException)
        {
            Console.Error.WriteLine($"Sessions: the Redis-protocol server (examples/RedisServer) did not start: {e.Message}");
            server.Kill("SIGKILL");
            return (null, null);
        }
    }
}

/// <summary>The app each worker runs (or the only process, with --no-cluster).</summary>
static class Server
{
    private const string UserKey = "user";
    private static long _visits; // this process's own count: what a per-worker cache sees

    private const string AppName = "workbook-sessions";

    /// <summary>
    /// Session cookies are encrypted with a data-protection key, and every worker must read every other worker's
    /// cookies: they share one key ring in a directory. The first worker to start makes the first key; a file lock
    /// keeps two workers from making one each at the same moment (each would then reject the other's cookies).
    /// </summary>
    private static void ShareKeyRing(string directory, IServiceCollection services)
    {
        Directory.CreateDirectory(directory);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                using var exclusive = new FileStream(Path.Combine(directory, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                DataProtectionProvider.Create(new DirectoryInfo(directory), b => b.SetApplicationName(AppName))
                    .CreateProtector("warm-up").Protect("the first key is made now, under the lock");
                break;
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20); // another worker holds the lock
            }
        }
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(directory)).SetApplicationName(AppName);
    }

    public static async Task<int> RunAsync(Options options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseClusterWorker();
        if (!Cluster.IsWorker) builder.WebHost.UseUrls($"http://127.0.0.1:{options.Port}");
        ShareKeyRing(options.KeysDirectory ?? Path.Combine(Path.GetTempPath(), "workbook-session-keys"), builder.Services);
        switch (options.Store)
        {
            case Store.Memory: builder.Services.AddDistributedMemoryCache(); break;
            case Store.Primary: builder.Services.AddSharedStoreCache(); break;
            case Store.Redis:
                if (options.RedisUrl is null)
                {
                    Console.Error.WriteLine("Sessions: --store redis needs a server: set REDIS_URL or --redis-url (the cluster's primary starts one itself).");
                    return 2;
                }
                builder.Services.AddStackExchangeRedisCache(o => o.Configuration = options.RedisUrl);
                break;
        }
        builder.Services.AddSession(o =>
        {
            o.IdleTimeout = TimeSpan.FromMinutes(20);
            o.Cookie.Name = "WorkbookSession";
            o.Cookie.IsEssential = true;
        });
        var app = builder.Build();
        app.UseSession();
        // Load the session asynchronously up front: touched first by SetString/GetString, it loads synchronously,
        // which blocks a pool thread on every store round trip (with Redis, twenty such requests stalled for seconds).
        app.Use(async (context, next) =>
        {
            await context.Session.LoadAsync();
            await next(context);
        });
        var pid = Environment.ProcessId;
        app.Use((context, next) =>
        {
            context.Response.Headers["X-Worker-Pid"] = pid.ToString();
            return next(context);
        });

        // Pages are read with GET or HEAD (curl -I); logging in and out changes the session, so those stay POST.
        string[] getOrHead = [HttpMethods.Get, HttpMethods.Head];
        app.MapPost("/login", async (HttpContext context, string user) =>
        {
            context.Session.SetString(UserKey, user);
            await context.Session.CommitAsync();
            return Results.Text($"Logged in as {user} (process {pid})\n");
        });
        app.MapMethods("/profile", getOrHead, (HttpContext context) =>
        {
            return context.Session.GetString(UserKey) is { } user
                ? Results.Text($"Profile of {user} (process {pid})\n")
                : Results.Text($"Not logged in: process {pid} has no session for you\n", statusCode: 401);
        });
        // For a load balancer's health check (chapter 08): answering at all is what counts.
        app.MapMethods("/health", getOrHead, () => Results.Text("ok\n"));
        app.MapPost("/logout", (HttpContext context) =>
        {
            context.Session.Clear();
            return Results.Text("Logged out\n");
        });
        // A counter two ways: this worker's memory, and the store every worker shares (where there is one).
        app.MapMethods("/visits", getOrHead, async () =>
        {
            var mine = Interlocked.Increment(ref _visits);
            long? shared = Cluster.IsWorker && options.Store == Store.Primary ? await Cluster.Store.IncrementAsync("visits") : null;
            return Results.Json(new { pid, thisWorker = mine, shared });
        });
        // Echoes what arrived: the length and hash of the body (the primary must not eat a byte of it).
        app.MapPost("/echo", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            return Results.Text($"{body.Length} {Convert.ToHexString(SHA256.HashData(body.ToArray()))}\n");
        });

        // Connect to the session store before taking requests, so the first ones do not wait for it.
        await app.Services.GetRequiredService<Microsoft.Extensions.Caching.Distributed.IDistributedCache>().GetAsync("warm-up");

        try
        {
            await app.StartAsync();
        }
        catch (OperationCanceledException) when (app.Lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return 0;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"Sessions: cannot listen on port {options.Port}: {e.Message}");
            return 1;
        }
        if (!Cluster.IsWorker)
        {
            Console.WriteLine($"Started process {pid}");
            if (ParentProcess.IsConnected) ParentProcess.Send(new { url = app.Urls.First(), pid });
        }
        await app.WaitForShutdownAsync();
        return 0;
    }
}
