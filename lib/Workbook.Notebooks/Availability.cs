using Workbook.LoadTesting;

namespace Workbook.Notebooks;

/// <summary>
/// Availability as the chapters count it, in the words of chapter 00: of the requests that finished (ok or failed),
/// the part that was answered; unfinished ones (in flight when the run stopped) are neither, and are said apart.
/// </summary>
public static class Availability
{
    /// <summary>Answered ÷ finished, in percent (100 when nothing finished).</summary>
    public static double Percent(LoadResult result) => result.Ok + result.Failed == 0 ? 100 : 100.0 * result.Ok / (result.Ok + result.Failed);

    /// <summary>E.g. "3 failed of 6,348 finished — 99.953% answered; 155 unfinished (in flight when the run stopped)".</summary>
    public static string Describe(LoadResult result) =>
        $"{result.Failed:N0} failed of {result.Ok + result.Failed:N0} finished — {Percent(result):0.000}% answered" +
        (result.Unfinished > 0 ? $"; {result.Unfinished:N0} unfinished (in flight when the run stopped: neither ok nor failed)" : "; none unfinished");

    /// <summary>
    /// The primary's count of lost connections beside the client's failed requests, and what the difference is
    /// (a lost connection whose client's run had ended is unfinished, not failed; a failed request that no crashed
    /// worker held was dropped elsewhere, e.g. waiting in the primary when the port closed).
    /// </summary>
    public static string LostAgainstFailed(LoadResult result, ClusterMarks marks)
    {
        var (lost, failed) = ((long)marks.Lost, result.Failed);
        var text = $"the primary counted {lost:N0} lost (connections its crashed workers had taken on and not answered), the clients {failed:N0} failed";
        if (lost == failed) return text + ": the same requests.";
        if (lost > failed)
            return text + $": {lost - failed:N0} lost connection(s) did not become failed requests" +
                   (result.Unfinished >= lost - failed ? $": in flight when the run stopped, they count as unfinished ({result.Unfinished:N0} in all)." : ".");
        return text + $": {failed - lost:N0} failed request(s) no crashed worker held ({result.DescribeFailures("")}).";
    }
}
