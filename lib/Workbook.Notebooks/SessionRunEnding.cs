using Workbook.LoadTesting;

namespace Workbook.Notebooks;

/// <summary>Ending a session run when something else is over (a rolling restart), with its last second whole.</summary>
public static class SessionRunEnding
{
    /// <summary>
    /// Waits <paramref name="atLeast"/>, then until the run's clock reaches a whole second, and finishes the run
    /// (<see cref="SessionLoadRun.Stop()"/>): its last second is complete, so the timeline can draw all of it.
    /// </summary>
    public static async Task StopOnWholeSecondAsync(this SessionLoadRun run, TimeSpan atLeast)
    {
        ArgumentNullException.ThrowIfNull(run);
        var end = TimeSpan.FromSeconds(Math.Ceiling((run.Progress.Elapsed + atLeast).TotalSeconds));
        var left = end - run.Progress.Elapsed;
        if (left > TimeSpan.Zero) await Task.Delay(left).ConfigureAwait(false);
        run.Stop();
    }
}
