namespace Workbook.Notebooks;

/// <summary>Programs a chapter runs beside ours when they are installed (node, wrk).</summary>
public static class Programs
{
    /// <summary>Whether <paramref name="name"/> is a file in a folder on PATH.</summary>
    public static bool OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(folder => folder.Length > 0 && File.Exists(Path.Combine(folder, name)));
}
