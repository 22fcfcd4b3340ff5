using Workbook.Cluster;

namespace Workbook.ClusterTool;

/// <summary>
/// PM2's --watch, for a built app: when its .dll is written again (a rebuild), and then quiet for a second, every
/// worker is replaced by a rolling restart, so the new build serves without a failed request.
/// </summary>
internal static class Watch
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1);

    public static IDisposable Start(string dll, Func<ClusterPrimary> primary, Action<string> say)
    {
        var watcher = new FileSystemWatcher(Path.GetDirectoryName(dll)!, Path.GetFileName(dll))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
        };
        Timer? debounce = null;
        void Changed(object? sender, FileSystemEventArgs e) => debounce!.Change(Quiet, Timeout.InfiniteTimeSpan);
        debounce = new Timer(async _ =>
        {
            try
            {
                say($"[dotnet-cluster] {Path.GetFileName(dll)} changed: reloading");
                var result = await primary().RollingRestartAsync();
                say($"[dotnet-cluster] reloaded after the change: {result.Replaced.Count} worker(s) replaced");
            }
            catch (Exception e) // a timer's callback: whatever went wrong is said, and the app goes on
            {
                say($"[dotnet-cluster] --watch: the reload failed: {e.Message}");
            }
        });
        watcher.Changed += Changed;
        watcher.Created += Changed;
        watcher.Renamed += (s, e) => Changed(s, e);
        watcher.EnableRaisingEvents = true;
        return new Both(watcher, debounce);
    }

    private sealed class Both(FileSystemWatcher watcher, Timer timer) : IDisposable
    {
        public void Dispose()
        {
            watcher.Dispose();
            timer.Dispose();
        }
    }
}
