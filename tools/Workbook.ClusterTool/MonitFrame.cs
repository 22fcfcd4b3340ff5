using System.Text.Json.Nodes;

namespace Workbook.ClusterTool;

/// <summary>What one refresh of monit shows: the apps' workers as list has them (CPU % over the last refresh instead), and each app's last log lines.</summary>
internal sealed record MonitFrame(DateTime At, List<string> Apps, List<WorkerRow> Rows, Dictionary<string, List<string>> Logs)
{
    /// <summary>
    /// Asks the daemon for its apps (only <paramref name="name"/> when given: <see cref="Apps"/> is then empty if it has
    /// none of that name), samples their workers' CPU and reads the last <paramref name="lines"/> of their logs.
    /// </summary>
    public static async Task<MonitFrame> ReadAsync(Home home, string? name, CpuSampler cpu, int lines, CancellationToken cancellationToken)
    {
        var reply = await DaemonClient.RequestAsync(home, new JsonObject { ["command"] = "list" }).WaitAsync(cancellationToken);
        var apps = reply["apps"]!.AsArray().OfType<JsonObject>().Where(a => name is null || a["name"]?.ToString() == name).ToList();
        var rows = apps.SelectMany(WorkerRow.Of).ToList();
        // cpu %: utime + stime deltas from /proc/PID/stat between two refreshes (CpuSampler), not list's since-start figure.
        var percent = cpu.Sample(rows.Where(r => r.Status != "exited").Select(r => r.Pid).OfType<int>());
        rows = [.. rows.Select(r => r with { CpuPercent = r.Pid is int pid ? percent.GetValueOrDefault(pid) : null })];
        var names = apps.Select(a => a["name"]!.ToString()).ToList();
        var logs = new Dictionary<string, List<string>>();
        foreach (var app in names) logs[app] = await LogTail.LastLinesAsync(home.AppLog(app), lines, cancellationToken);
        return new MonitFrame(DateTime.Now, names, rows, logs);
    }

    /// <summary>e.g. "2 apps, 3 of 3 workers online".</summary>
    public string Summary()
    {
        var workers = Rows.Count(r => r.Id is not null);
        var online = Rows.Count(r => r.Status == "online");
        return $"{Apps.Count} app{(Apps.Count == 1 ? "" : "s")}, {online} of {workers} worker{(workers == 1 ? "" : "s")} online";
    }
}
