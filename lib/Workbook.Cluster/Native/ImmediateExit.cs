// Environment.Exit runs the host's graceful shutdown (it drains); a crash must not, so this calls _exit(2).
using System.Runtime.InteropServices;

namespace Workbook.Cluster.Native;

internal static partial class ImmediateExit
{
    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void Exit(int status);

    /// <summary>Ends the process at once with <paramref name="code"/>: no shutdown handlers, no flushing beyond the console's.</summary>
    public static void Now(int code)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        Exit(code);
    }
}
