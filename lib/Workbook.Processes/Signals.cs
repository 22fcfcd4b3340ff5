namespace Workbook.Processes;

/// <summary>POSIX signal names and their Linux numbers, as Node's <c>os.constants.signals</c> has them.</summary>
public static class Signals
{
    private static readonly string[] Names =
    [
        "", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
        "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
        "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    /// <summary>The number of a signal given by name (<c>"SIGTERM"</c> or <c>"TERM"</c>, any case).</summary>
    /// <exception cref="ArgumentException">The name is not a signal this platform knows.</exception>
    public static int ToNumber(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var upper = name.Trim().ToUpperInvariant();
        if (!upper.StartsWith("SIG", StringComparison.Ordinal)) upper = "SIG" + upper;
        if (upper == "SIGIOT") return 6;
        if (upper == "SIGPOLL") return 29;
        int index = Array.IndexOf(Names, upper);
        if (index > 0) return index;
        throw new ArgumentException($"Unknown signal: '{name}'. Known signals: {string.Join(", ", Names.Skip(1))}.", nameof(name));
    }

    /// <summary>The name of a signal number, e.g. 15 → <c>"SIGTERM"</c>; real-time signals are <c>"SIGRT&lt;n&gt;"</c>.</summary>
    public static string ToName(int number)
    {
        if (number > 0 && number < Names.Length) return Names[number];
        if (number >= 34 && number <= 64) return $"SIGRT{number - 34}";
        throw new ArgumentOutOfRangeException(nameof(number), number, "Not a signal number (1-64).");
    }

    internal static void Validate(int number)
    {
        if (number < 0 || number > 64)
            throw new ArgumentOutOfRangeException(nameof(number), number, "Not a signal number (0-64).");
    }
}
