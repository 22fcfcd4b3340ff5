using Microsoft.AspNetCore.Builder;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Workbook.Testing;

namespace Workbook.Notebooks.Tests;

/// <summary>Runs ShowOutputAsync inside a real C# kernel and watches the display events a notebook front end gets.</summary>
public class LiveOutputTests
{
    [Fact]
    public async Task The_display_updates_while_the_child_prints_and_ends_with_its_exit()
    {
        var events = await RunInKernel("""
            await Workbook.Processes.ChildProcess.Spawn("sh", ["-c", "echo one-$((1)); sleep 0.5; echo two-$((2)) >&2; sleep 0.5; echo three-$((3))"]).ShowOutputAsync();
            """);

        var shown = events.OfType<DisplayedValueProduced>().Single();
        var updates = events.OfType<DisplayedValueUpdated>().Where(u => u.ValueId == shown.ValueId).Select(Html).ToList();
        Assert.True(updates.Count >= 3, $"expected updates while it ran, got {updates.Count}");
        // The command line shows $((n)); the output shows the numbers, so these find output only.
        Assert.Contains(updates, u => u.Contains("one-1") && !u.Contains("three-3"));   // seen before the child finished
        var final = updates[^1];
        Assert.Contains("one-1\n", final);
        Assert.Contains("<span style=\"color:#c62828\">two-2\n</span>", final);
        Assert.Contains("three-3", final);
        Assert.Contains("exited with code 0", final);
        Assert.DoesNotContain(events, e => e is CommandFailed);
    }

    [Fact]
    public async Task A_child_that_cannot_start_shows_its_error_and_fails_the_cell()
    {
        var events = await RunInKernel("""
            await Workbook.Processes.ChildProcess.Spawn("no-such-command-wb").ShowOutputAsync();
            """);

        var final = events.OfType<DisplayEvent>().Where(e => e is DisplayedValueProduced or DisplayedValueUpdated).Select(Html).Last();
        Assert.Contains("spawn no-such-command-wb ENOENT", final);
        Assert.Contains("SpawnException", events.OfType<CommandFailed>().Single().Message);
    }

    [Fact]
    public async Task Long_output_keeps_only_the_latest_characters_on_screen()
    {
        var events = await RunInKernel("""
            await Workbook.Processes.ChildProcess.Spawn("seq", ["1", "20000"]).ShowOutputAsync();
            """);

        var final = events.OfType<DisplayEvent>().Where(e => e is DisplayedValueProduced or DisplayedValueUpdated).Select(Html).Last();
        Assert.Contains("earlier characters not shown", final);
        Assert.Contains("\n20000\n", final);
        Assert.DoesNotContain("\n10\n", final);
    }

    [Fact]
    public async Task After_setup_a_child_with_inherited_stdio_prints_into_the_cell()
    {
        var events = await RunInKernel("""
            Notebook.Setup();
            await Workbook.Processes.ChildProcess.Spawn("sh", ["-c", "echo to-the-cell; echo err-to-the-cell >&2"],
                new Workbook.Processes.SpawnOptions { Stdio = Workbook.Processes.StdioMode.Inherit }).Closed;
            """);

        Assert.DoesNotContain(events, e => e is CommandFailed);
        Assert.Contains(events.OfType<StandardOutputValueProduced>(), e => e.FormattedValues.Any(v => v.Value.Contains("to-the-cell\n")));
        Assert.Contains(events.OfType<StandardErrorValueProduced>(), e => e.FormattedValues.Any(v => v.Value.Contains("err-to-the-cell")));
    }

    [Fact]
    public async Task A_load_run_shows_progress_that_updates_until_it_finishes()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGet("/", () => "Ok"));
        var url = server.Url;

        var events = await RunInKernel($$"""
            var result = await Workbook.Notebooks.LoadView.RunAsync(new Workbook.LoadTesting.LoadTest
            {
                Label = "kernel run",
                Url = new Uri("{{url}}"),
                Load = [Workbook.LoadTesting.Load.KeepConstant(2, TimeSpan.FromSeconds(1.5))],
            });
            result
            """);

        Assert.DoesNotContain(events, e => e is CommandFailed);
        var shown = events.OfType<DisplayedValueProduced>().Single();
        var updates = events.OfType<DisplayedValueUpdated>().Where(u => u.ValueId == shown.ValueId).Select(Html).ToList();
        Assert.True(updates.Count >= 4, $"{updates.Count} updates in 1.5 s");
        Assert.Contains(updates, u => u.Contains("running:"));
        Assert.Contains("finished:", updates[^1]);
        var value = Assert.Single(events.OfType<ReturnValueProduced>());
        Assert.Contains("<tr><td>load</td><td>2 clients for 1.5 s, keep-alive</td></tr>", Html(value));
    }

    private static async Task<List<KernelEvent>> RunInKernel(string code)
    {
        using var kernel = new CompositeKernel { new CSharpKernel().UseKernelHelpers() };
        var events = new List<KernelEvent>();
        using var subscription = kernel.KernelEvents.Subscribe(new Observer(e => { lock (events) events.Add(e); }));
        var dir = Path.GetDirectoryName(typeof(LiveOutput).Assembly.Location)!;
        var setup = await kernel.SendAsync(new SubmitCode($"""
            #r "{dir}/Workbook.Processes.dll"
            #r "{dir}/HdrHistogram.dll"
            #r "{dir}/Workbook.LoadTesting.dll"
            #r "{dir}/Workbook.Notebooks.dll"
            using Workbook.Notebooks;
            """));
        Assert.DoesNotContain(setup.Events, e => e is CommandFailed);
        lock (events) events.Clear();
        await kernel.SendAsync(new SubmitCode(code)).WaitAsync(TimeSpan.FromSeconds(60));
        lock (events) return [.. events];
    }

    private static string Html(DisplayEvent e) => e.FormattedValues.Single(v => v.MimeType == "text/html").Value;

    private sealed class Observer(Action<KernelEvent> onNext) : IObserver<KernelEvent>
    {
        public void OnNext(KernelEvent value) => onNext(value);
        public void OnError(Exception error) { }
        public void OnCompleted() { }
    }
}
