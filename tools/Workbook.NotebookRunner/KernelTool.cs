using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Workbook.NotebookRunner;

/// <summary>
/// The kernel VS Code starts for these notebooks: the dotnet-interactive tool pinned in .config/dotnet-tools.json,
/// in stdio mode (one JSON command envelope per line in, one JSON event envelope per line out), in the notebook's
/// folder. Running the chapters through it, not through an in-process copy of its packages, means the headless run
/// and the reader's VS Code run the same kernel.
/// </summary>
internal sealed class KernelTool : IAsyncDisposable
{
    private const string ManifestPath = ".config/dotnet-tools.json";

    private readonly Process _process;
    private readonly ConcurrentDictionary<string, Action<JsonObject>> _listeners = new();
    private readonly Task _reading;
    private readonly Task<string> _stderr;
    private int _next;

    private KernelTool(Process process)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync();
        _reading = Task.Run(ReadEventsAsync);
    }

    public int Pid => _process.Id;

    /// <summary>The folder whose .config/dotnet-tools.json pins the tool: the repository this runner was built in.</summary>
    public static string ToolFolder { get; } = FindToolFolder();

    /// <summary>Restores the pinned tool (a no-op once it is in the NuGet cache); throws with dotnet's output if that fails.</summary>
    public static async Task RestoreAsync()
    {
        var start = Start("dotnet", ToolFolder, "tool", "restore");
        using var restore = Process.Start(start)!;
        var output = restore.StandardOutput.ReadToEndAsync();
        var errors = restore.StandardError.ReadToEndAsync();
        await restore.WaitForExitAsync();
        if (restore.ExitCode != 0)
            throw new InvalidOperationException($"'dotnet tool restore' in {ToolFolder} failed ({restore.ExitCode}):\n{await output}{await errors}");
    }

    public static KernelTool Start(string workingDirectory)
    {
        var start = Start("dotnet", ToolFolder, "tool", "run", "dotnet-interactive", "--",
            "stdio", "--default-kernel", "csharp", "--working-dir", workingDirectory);
        start.RedirectStandardInput = true;
        return new KernelTool(Process.Start(start)!);
    }

    /// <summary>
    /// Submits a cell's code; <paramref name="onEvent"/> sees every event of it and of the commands it started
    /// (their tokens carry its token as a prefix). Completes with the command's own CommandSucceeded/CommandFailed.
    /// </summary>
    public async Task<JsonObject> SubmitAsync(string code, Action<JsonObject> onEvent, TimeSpan limit)
    {
        var token = $"cell-{++_next}";
        var done = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _listeners[token] = envelope =>
        {
            onEvent(envelope);
            if (Token(envelope) == token && envelope["eventType"]?.GetValue<string>() is "CommandSucceeded" or "CommandFailed")
                done.TrySetResult(envelope);
        };
        try
        {
            var envelope = new JsonObject
            {
                ["commandType"] = "SubmitCode",
                ["command"] = new JsonObject { ["code"] = code, ["targetKernelName"] = "csharp" },
                ["token"] = token,
            };
            await _process.StandardInput.WriteLineAsync(envelope.ToJsonString());
            await _process.StandardInput.FlushAsync();
            var ended = await Task.WhenAny(done.Task, _reading, Task.Delay(limit));
            if (ended == done.Task) return await done.Task;
            if (ended == _reading) throw new InvalidOperationException($"The kernel exited ({ExitCode()}):\n{await _stderr}");
            throw new TimeoutException();
        }
        finally
        {
            _listeners.TryRemove(token, out _);
        }
    }

    /// <summary>The kernel's own processes: the tool's launcher and the kernel it started (not what cells started).</summary>
    public bool IsKernel(int pid, string commandLine) =>
        pid == _process.Id || commandLine.Contains("Microsoft.DotNet.Interactive.App", StringComparison.Ordinal);

    public static string Token(JsonObject envelope) => envelope["command"]?["token"]?.GetValue<string>() ?? "";

    /// <summary>
    /// Ends the kernel. It keeps running for seconds after its input ends, and holds nothing worth waiting for once
    /// the notebook's leftover processes were checked; so it is ended at once, as closing a notebook in VS Code does.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    /// <summary>Ends the kernel and everything it started now (a cell that did not finish).</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    private async Task ReadEventsAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            // A child process that writes to the kernel's own stdout can leave a line that is not an envelope.
            if (!line.StartsWith('{') || Parse(line) is not { } envelope) continue;
            var root = Token(envelope).Split('.')[0];
            if (_listeners.TryGetValue(root, out var listener)) listener(envelope);
        }
    }

    private static JsonObject? Parse(string line)
    {
        try { return JsonNode.Parse(line) as JsonObject; }
        catch (System.Text.Json.JsonException) { return null; }
    }

    private string ExitCode() => _process.HasExited ? $"exit code {_process.ExitCode}" : "its output ended";

    private static ProcessStartInfo Start(string program, string cwd, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = cwd,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        return start;
    }

    private static string FindToolFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, ManifestPath))) return dir.FullName;
        }
        throw new InvalidOperationException($"no {ManifestPath} (which pins the dotnet-interactive tool) above {AppContext.BaseDirectory}");
    }
}
