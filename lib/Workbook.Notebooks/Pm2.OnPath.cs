namespace Workbook.Notebooks;

/// <summary>Chapter 10's part of <see cref="Pm2"/>: the <c>pm2</c> a reader installed (<c>npm install -g pm2</c>; the devcontainer has it).</summary>
public sealed partial class Pm2
{
    /// <summary>Where <c>pm2</c> is: the first folder on PATH that has it; null when it is not installed.</summary>
    public static string? Executable { get; } = Programs.Find("pm2");

    /// <summary>Whether PM2 can run here: <c>pm2</c> and <c>node</c> on PATH.</summary>
    public static bool IsAvailable => Executable is not null && NodeProgram.IsAvailable;

    /// <summary>The notes' server (<paramref name="work"/> loop iterations per request) as <paramref name="instances"/> PM2 instances on a free port, once it answers.</summary>
    public static Task<Pm2> StartAsync(int instances = 2, long work = 0) =>
        Executable is null ? throw new InvalidOperationException("pm2 is not on PATH (npm install -g pm2).")
            : StartAsync(Executable, Path.Combine(NodeProgram.Folder, "server.js"), instances, work, Programs.FreePort());
}
