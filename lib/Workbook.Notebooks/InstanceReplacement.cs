namespace Workbook.Notebooks;

/// <summary>One step of a rolling restart of instances: the old and new names, the proxy's drain, the old one's exit, the time the step took.</summary>
public sealed record InstanceReplacement(string Old, string New, ProxyRemoval Removal, Workbook.Processes.ChildExit OldExit, TimeSpan Took)
{
    public override string ToString() =>
        $"{Old} → {New}: " + (Removal.InFlightAtRemoval == 0 ? $"no request in flight once {Old} was out of rotation"
            : $"{Removal.InFlightAtRemoval} requests in flight once {Old} was out of rotation, finished in {Removal.DrainedMs:N0} ms") +
        (Removal.TimedOut ? " (some were still running after the proxy's 30 s limit)" : "") +
        $"; {Old} then stopped ({OldExit}); the step took {Took.TotalSeconds:0.0} s";
}
