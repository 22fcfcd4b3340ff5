namespace Workbook.Notebooks;

/// <summary>
/// A change of a backend's health as the proxy saw it, <see cref="At"/> seconds after the proxy started, with each
/// check's verdict (healthy, unhealthy or unknown; null when the proxy did not say).
/// </summary>
public sealed record HealthChange(double At, string Name, string Health, string? Active = null, string? Passive = null)
{
    /// <summary>Which check found a backend unhealthy: "the active check (probes)", "the passive check (failed requests)" or both.</summary>
    public string FoundBy => (Active == "unhealthy", Passive == "unhealthy") switch
    {
        (true, true) => "both checks",
        (true, false) => "the active check (its probes)",
        (false, true) => "the passive check (failed requests)",
        _ => "neither check",
    };
}
