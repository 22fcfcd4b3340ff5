namespace Workbook.Notebooks;

/// <summary>
/// The check cell at the end of a chapter: each check prints a ✔ line, or throws <see cref="CheckFailedException"/>
/// so the cell (and a headless run) fails with a message that says what differed.
/// </summary>
public static class Check
{
    /// <summary>Passes when <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    public static void Equal<T>(T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
            throw new CheckFailedException($"✘ {what}: expected {Show(expected)}, got {Show(actual)}");
        Console.WriteLine($"✔ {what}: {Show(actual)}");
    }

    /// <summary>Passes when <paramref name="condition"/> holds.</summary>
    public static void That(bool condition, string what)
    {
        if (!condition) throw new CheckFailedException($"✘ {what}");
        Console.WriteLine($"✔ {what}");
    }

    private static string Show<T>(T value) => value switch
    {
        null => "null",
        string s => $"\"{s.Replace("\n", "\\n")}\"",
        _ => value.ToString() ?? "",
    };
}
