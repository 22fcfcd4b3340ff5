namespace Workbook.ClusterTool;

/// <summary>
/// The tool's home (PM2's ~/.pm2): the daemon's socket and lock, its own log, and the apps' logs. The user's alone:
/// the folder is 0700 and every file in it 0600, so another local user can neither reach the socket nor read a log.
/// <c>DOTNET_CLUSTER_HOME</c> moves it (one daemon per home).
/// </summary>
internal sealed class Home
{
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = Private | UnixFileMode.UserExecute;

    public Home(string folder) => Folder = Path.GetFullPath(folder);

    public static Home Current => new(Environment.GetEnvironmentVariable("DOTNET_CLUSTER_HOME") is { Length: > 0 } home
        ? home : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet-cluster"));

    public string Folder { get; }
    public string Socket => Path.Combine(Folder, "daemon.sock");
    public string Lock => Path.Combine(Folder, "daemon.lock");
    public string DaemonLog => Path.Combine(Folder, "daemon.log");
    public string Logs => Path.Combine(Folder, "logs");

    /// <summary>The log of <paramref name="app"/>: every worker's output, each line with its worker's id.</summary>
    public string AppLog(string app) => Path.Combine(Logs, app + ".log");

    /// <summary>Creates the folders if needed and makes them the user's alone.</summary>
    public Home Ensure()
    {
        foreach (var folder in new[] { Folder, Logs })
        {
            Directory.CreateDirectory(folder, PrivateFolder);
            File.SetUnixFileMode(folder, PrivateFolder);
        }
        return this;
    }

    /// <summary>Opens <paramref name="path"/> for appending, created 0600.</summary>
    public static FileStream Append(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite | FileShare.Delete, UnixCreateMode = Private,
    });
}
