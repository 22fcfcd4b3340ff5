namespace Workbook.Cluster;

/// <summary>
/// One place in the cluster that a worker fills: a restart or a rolling restart puts a new worker in the same
/// slot, and the crash-loop count belongs to the slot, not to the short-lived workers that fill it.
/// </summary>
internal sealed class Slot(int number)
{
    public int Number { get; } = number;

    /// <summary>The worker that fills the slot now (under lock of the slot).</summary>
    public Worker? Current { get; set; }

    /// <summary>Supervised once a worker in it listened: from then on, crashes are restarted.</summary>
    public bool Supervised { get; set; }

    public int UnstableInARow { get; set; }

    public bool GaveUp { get; set; }
}
