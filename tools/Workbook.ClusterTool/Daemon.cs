using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Workbook.Cluster;

namespace Workbook.ClusterTool;

/// <summary>
/// The daemon (PM2's God process): the primaries of every app started in the background live here, so the CLI and
/// the terminal can go. It serves one request per connection on its socket (<see cref="Wire"/>), refuses to run
/// twice for one home (a lock), and replaces a socket left by one that died (stale).
/// </summary>
internal sealed class Daemon(Home home)
{
    private readonly Dictionary<string, ManagedApp> _apps = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TaskCompletionSource _killed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<int> RunAsync()
    {
        home.Ensure();
        FileStream lockFile;
        try
        {
            // FileShare.None takes an exclusive advisory lock: a second daemon for this home fails here.
            lockFile = new FileStream(home.Lock, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, UnixCreateMode = Home.Private });
        }
        catch (IOException)
        {
            Console.Error.WriteLine($"dotnet-cluster: a daemon already runs for {home.Folder}");
            return 1;
        }
        using var held = lockFile;
        File.Delete(home.Socket); // holding the lock, any socket left there is stale
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(home.Socket));
        File.SetUnixFileMode(home.Socket, Home.Private);
        listener.Listen(16);
        Console.WriteLine($"{DateTime.Now:O} daemon {Environment.ProcessId} serving {home.Socket}");

        using var stop = new CancellationTokenSource();
        _ = _killed.Task.ContinueWith(_ => stop.Cancel());
        var signals = new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT }
            .Select(s => PosixSignalRegistration.Create(s, c => { c.Cancel = true; _killed.TrySetResult(); })).ToList();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await listener.AcceptAsync(stop.Token);
                _ = Task.Run(() => ServeAsync(client));
            }
        }
        catch (OperationCanceledException)
        {
        }
        signals.ForEach(r => r.Dispose());
        await StopAllAsync();
        File.Delete(home.Socket);
        Console.WriteLine($"{DateTime.Now:O} daemon {Environment.ProcessId} stopped");
        return 0;
    }

    private async Task ServeAsync(Socket client)
    {
        using var _ = client;
        await using var stream = new NetworkStream(client, ownsSocket: false);
        JsonObject reply;
        try
        {
            reply = await Wire.ReadAsync(new BufferedStream(stream)) is { } request ? await HandleAsync(request) : Wire.Error("no request");
        }
        catch (InvalidDataException e)
        {
            reply = Wire.Error($"bad request: {e.Message}");
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException)
        {
            reply = Wire.Error($"bad request: {e.Message}"); // a field missing or of the wrong type
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            return; // the CLI went away
        }
        try
        {
            await Wire.WriteAsync(stream, reply);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
        }
    }

    private async Task<JsonObject> HandleAsync(JsonObject request)
    {
        var command = request["command"]?.GetValue<string>();
        await _gate.WaitAsync();
        try
        {
            switch (command)
            {
                case "start": return await StartAsync(request);
                case "list": return Wire.Ok(new JsonObject { ["apps"] = new JsonArray([.. _apps.Values.OrderBy(a => a.Name).Select(a => (JsonNode)a.Describe())]) });
                case "reload" or "restart" or "stop" or "delete": return await OnAppsAsync(command, request["name"]?.GetValue<string>() ?? "");
                case "describe":
                    return _apps.TryGetValue(request["name"]!.GetValue<string>(), out var described)
                    ? Wire.Ok(described.Describe()) : Wire.Error($"no app named '{request["name"]}' (see dotnet cluster list)");
                case "scale": return await ScaleAsync(request["name"]!.GetValue<string>(), request["instances"]!.GetValue<int>());
                case "kill":
                    _killed.TrySetResult();
                    return Wire.Ok();
                default: return Wire.Error($"unknown command '{command}'");
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<JsonObject> StartAsync(JsonObject request)
    {
        var name = request["name"]!.GetValue<string>();
        if (_apps.TryGetValue(name, out var existing) && existing.Status == "online") return Wire.Error($"an app named '{name}' is already running");
        if (existing is not null) _apps.Remove(name);
        try
        {
            var app = await ManagedApp.StartAsync(home, AppSpec.FromJson(request));
            _apps[name] = app;
            return Wire.Ok(app.Describe());
        }
        catch (ClusterException e)
        {
            return Wire.Error($"{name} did not start: {e.Message}");
        }
    }

    private async Task<JsonObject> OnAppsAsync(string command, string name)
    {
        var apps = name == "all" ? [.. _apps.Values] : _apps.TryGetValue(name, out var one) ? new List<ManagedApp> { one } : [];
        if (apps.Count == 0) return Wire.Error(name == "all" ? "no app is running" : $"no app named '{name}' (see dotnet cluster list)");
        var done = new JsonArray();
        foreach (var app in apps)
        {
            if (command == "reload" && app.Status == "online") done.Add(new JsonObject { ["name"] = app.Name, ["replaced"] = await app.ReloadAsync() });
            if (command == "restart" && app.Status == "online")
            {
                try
                {
                    await app.RestartAsync();
                }
                catch (ClusterException e)
                {
                    return Wire.Error($"{app.Name} did not start again: {e.Message}");
                }
            }
            if (command is "stop" or "delete" && app.Status == "online") await app.DisposeAsync();
            if (command == "delete") _apps.Remove(app.Name);
            if (command != "reload") done.Add(new JsonObject { ["name"] = app.Name });
        }
        return Wire.Ok(new JsonObject { ["apps"] = done });
    }

    private async Task<JsonObject> ScaleAsync(string name, int count)
    {
        if (!_apps.TryGetValue(name, out var app) || app.Status != "online") return Wire.Error($"no running app named '{name}' (see dotnet cluster list)");
        if (count is < 1 or > 256) return Wire.Error($"an app runs 1 to 256 workers, not {count}");
        try
        {
            await app.ScaleAsync(count);
            return Wire.Ok(app.Describe());
        }
        catch (ClusterException e)
        {
            return Wire.Error(e.Message);
        }
    }

    private async Task StopAllAsync()
    {
        foreach (var app in _apps.Values.Where(a => a.Status == "online")) await app.DisposeAsync();
        _apps.Clear();
    }
}
