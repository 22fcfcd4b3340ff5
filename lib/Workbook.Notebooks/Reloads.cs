using Workbook.LoadTesting;

namespace Workbook.Notebooks;

/// <summary>Two reloads of a running cluster under keep-alive load: chapter 10 runs it for <c>dotnet cluster</c> and for PM2 alike.</summary>
public static class Reloads
{
    /// <summary>How many keep-alive clients the load keeps busy.</summary>
    public const int Clients = 50;

    /// <summary>
    /// <see cref="Clients"/> keep-alive clients (answers counted by <c>X-Worker-Pid</c>, at most 30 s); after a
    /// second, <paramref name="reload"/>(1) then (2), each marked <c>reload N</c> on the timeline; the load stops a
    /// second after the second, so both reloads run under load however long they take. Shows the run as it goes.
    /// </summary>
    public static async Task<LoadResult> TwiceUnderKeepAliveLoadAsync(Uri url, string label, Func<int, Task> reload)
    {
        var run = LoadRunner.Start(new LoadTest
        {
            Label = label, Url = url, Connection = ConnectionMode.KeepAlive, AttributeBy = "X-Worker-Pid",
            Load = [Load.KeepConstant(Clients, TimeSpan.FromSeconds(30))],
        });
        var showing = run.ShowProgressAsync();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            for (int i = 1; i <= 2; i++)
            {
                run.Mark($"reload {i}");
                await reload(i);
            }
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        finally
        {
            run.Stop(); // the reloads' end: the summary says "stopped by Stop()"
        }
        return await showing;
    }
}
