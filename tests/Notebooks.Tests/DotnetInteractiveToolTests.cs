using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Workbook.Processes;

namespace Notebooks.Tests;

/// <summary>
/// The headless runner builds its kernel from the .NET Interactive packages; VS Code and Jupyter start the
/// dotnet-interactive tool instead. This runs every chapter's cells through the pinned tool itself
/// (.config/dotnet-tools.json), over its stdio protocol, so the two cannot drift apart unnoticed.
/// </summary>
public class DotnetInteractiveToolTests
{
    private static readonly TimeSpan CellLimit = TimeSpan.FromMinutes(3);

    [Theory]
    [MemberData(nameof(ExecutedNotebooks.Names), MemberType = typeof(ExecutedNotebooks))]
    public async Task The_pinned_kernel_tool_runs_every_cell(string name)
    {
        var restore = ChildProcess.Spawn("dotnet", ["tool", "restore"], new SpawnOptions { Cwd = ExecutedNotebooks.RepositoryRoot });
        var restoreOutput = restore.Stdout!.ReadToEndAsync();
        Assert.True((await restore.Closed.WaitAsync(CellLimit)).Success, await restoreOutput);

        await using var kernel = ToolKernel.Start();
        var cells = ExecutedNotebooks.CodeCells(ExecutedNotebooks.Source(name)).Select(c => c.Source).ToList();
        string lastOutput = "";
        for (int i = 0; i < cells.Count; i++)
        {
            var (succeeded, message, output) = await kernel.SubmitAsync(cells[i], CellLimit);
            Assert.True(succeeded, $"{name}, cell {i + 1}: {message}");
            lastOutput = output;
        }
        Assert.DoesNotContain("✘", lastOutput);
    }

    /// <summary>dotnet-interactive in stdio mode: JSON command envelopes in, JSON event envelopes out, one per line.</summary>
    private sealed class ToolKernel : IAsyncDisposable
    {
        private readonly ChildProcess _process;
        private readonly ConcurrentDictionary<string, TaskCompletionSource<(bool, string)>> _completions = new();
        private readonly ConcurrentDictionary<string, StringBuilder> _stdout = new();
        private readonly StringBuilder _partialLine = new();
        private int _next;

        private ToolKernel(ChildProcess process)
        {
            _process = process;
            _process.Stdout!.Data += OnData;
        }

        public static ToolKernel Start() => new(ChildProcess.Spawn("dotnet",
            ["tool", "run", "dotnet-interactive", "--", "stdio", "--default-kernel", "csharp"],
            new SpawnOptions { Cwd = ExecutedNotebooks.NotebooksFolder }));

        public async Task<(bool Succeeded, string Message, string Stdout)> SubmitAsync(string code, TimeSpan limit)
        {
            var token = $"cell-{++_next}";
            var done = _completions.GetOrAdd(token, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
            var envelope = new JsonObject
            {
                ["commandType"] = "SubmitCode",
                ["command"] = new JsonObject { ["code"] = code, ["targetKernelName"] = "csharp" },
                ["token"] = token,
            };
            _process.Stdin!.Write(envelope.ToJsonString() + "\n");
            var (ok, message) = await done.Task.WaitAsync(limit);
            return (ok, message, _stdout.TryGetValue(token, out var sb) ? sb.ToString() : "");
        }

        private void OnData(string chunk)
        {
            _partialLine.Append(chunk);
            var text = _partialLine.ToString();
            var lastNewline = text.LastIndexOf('\n');
            if (lastNewline < 0) return;
            _partialLine.Clear().Append(text[(lastNewline + 1)..]);
            foreach (var line in text[..lastNewline].Split('\n')) OnLine(line);
        }

        private void OnLine(string line)
        {
            if (!line.StartsWith('{')) return;
            var message = JsonNode.Parse(line);
            var token = message?["command"]?["token"]?.GetValue<string>();
            if (token is null) return;
            var root = token.Split('.')[0]; // sub-commands carry the root token as a prefix
            switch (message!["eventType"]?.GetValue<string>())
            {
                case "StandardOutputValueProduced":
                    var text = message["event"]?["formattedValues"]?[0]?["value"]?.GetValue<string>() ?? "";
                    _stdout.GetOrAdd(root, _ => new StringBuilder()).Append(text);
                    break;
                case "CommandSucceeded" when token == root:
                    _completions.GetOrAdd(root, _ => new()).TrySetResult((true, ""));
                    break;
                case "CommandFailed" when token == root:
                    _completions.GetOrAdd(root, _ => new()).TrySetResult((false, message["event"]?["message"]?.GetValue<string>() ?? "failed"));
                    break;
            }
        }

        public async ValueTask DisposeAsync()
        {
            _process.Stdin!.End(); // the tool exits when its input ends
            var closed = _process.Closed;
            if (await Task.WhenAny(closed, Task.Delay(TimeSpan.FromSeconds(5))) != closed) await _process.DisposeAsync();
        }
    }
}
