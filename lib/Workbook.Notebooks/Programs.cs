namespace Workbook.Notebooks;

/// <summary>Programs a chapter runs beside ours when they are installed (node, wrk).</summary>
public static class Programs
{
    /// <summary>Whether <paramref name="name"/> is a file in a folder on PATH.</summary>
    public static bool OnPath(string name) => Find(name) is not null;

    /// <summary>The path of <paramref name="name"/> in the first folder on PATH that has it, or null.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
}
