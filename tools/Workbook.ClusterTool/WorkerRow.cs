using System.Globalization;
using System.Text.Json.Nodes;

namespace Workbook.ClusterTool;

/// <summary>
/// One row of list and monit: a worker of an app as the daemon describes it (<see cref="ManagedApp.Describe"/>), or
/// the app alone when it runs none (stopped). Null is shown as "-".
/// </summary>
internal sealed record WorkerRow(string App, string Status, int? Id = null, int? Pid = null, double? UptimeSeconds = null, int? Restarts = null,
    double? CpuPercent = null, double? MemoryMiB = null)
{
    public static readonly string[] Columns = ["app", "id", "pid", "status", "uptime", "restarts", "cpu %", "memory"];

    /// <summary>A row per worker of <paramref name="app"/> (a reply of the daemon's list, describe or scale), or one for the app alone.</summary>
    public static IEnumerable<WorkerRow> Of(JsonObject app)
    {
        var name = app["name"]?.ToString() ?? "-";
        var workers = app["workers"]!.AsArray().OfType<JsonObject>().ToList();
        if (workers.Count == 0) return [new WorkerRow(name, app["status"]?.ToString() ?? "-")];
        return workers.Select(w => new WorkerRow(name, w["status"]?.ToString() ?? "-", w["id"]?.GetValue<int>(), w["pid"]?.GetValue<int>(),
            w["uptime_s"]!.GetValue<double>(), w["restarts"]?.GetValue<int>(), w["cpu_percent"]!.GetValue<double>(), w["memory_mib"]!.GetValue<double>()));
    }

    /// <summary>The row's cells, in the order of <see cref="Columns"/>, as text (not markup).</summary>
    public string[] Cells() =>
    [
        App, Text(Id), Text(Pid), Status, UptimeSeconds is double s ? $"{Number(s, "0")} s" : "-", Text(Restarts),
        CpuPercent is double cpu ? Number(cpu, "0.0") : "-", MemoryMiB is double mib ? $"{Number(mib, "0.0")} MiB" : "-",
    ];

    private static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Text(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";
}
