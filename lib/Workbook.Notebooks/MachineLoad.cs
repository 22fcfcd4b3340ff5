namespace Workbook.Notebooks;

/// <summary>How busy this machine is right now, to print beside a timing that depends on it.</summary>
public static class MachineLoad
{
    /// <summary>E.g. "load average 13.4 (1 min) on 2 cores"; without <c>/proc/loadavg</c> (not Linux), the cores only.</summary>
    public static string Now()
    {
        var cores = $"{Environment.ProcessorCount} cores";
        if (!File.Exists("/proc/loadavg")) return $"load average unknown here, {cores}";
        return $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} (1 min) on {cores}";
    }
}
