namespace Workbook.Processes;

/// <summary>
/// Runs user event handlers on the library's threads. An exception there would end the whole process (in a
/// notebook: the kernel), so it is reported on stderr instead, the way Node prints an uncaught error.
/// </summary>
internal static class HandlerFailures
{
    public static void Run(string where, Action handler)
    {
        try
        {
            handler();
        }
        catch (Exception e)
        {
            try
            {
                Console.Error.WriteLine($"Unhandled exception in {where}: {e}");
            }
            catch (IOException)
            {
                // stderr itself is gone; there is nowhere left to report to.
            }
        }
    }

    /// <summary>
    /// Calls every handler of <paramref name="handlers"/> in turn, each on its own: one that throws is reported and
    /// the others still run (a multicast delegate's own call would stop at the first exception).
    /// </summary>
    public static void Each<T>(string where, T? handlers, Action<T> invoke) where T : Delegate
    {
        if (handlers is null) return;
        foreach (var handler in handlers.GetInvocationList()) Run(where, () => invoke((T)handler));
    }
}
