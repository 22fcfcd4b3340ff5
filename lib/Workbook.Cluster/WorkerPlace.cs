namespace Workbook.Cluster;

/// <summary>
/// One place in the cluster that a worker fills (<see cref="Worker.Place"/> is its number): a restart or a rolling
/// restart puts a new worker in the same place, and the crash-loop count belongs to the place, not to the
/// short-lived workers that fill it.
/// </summary>
internal sealed class WorkerPlace(int number)
{
    public int Number { get; } = number;

    /// <summary>The worker that fills the place now (under lock of the place).</summary>
    public Worker? Current { get; set; }

    /// <summary>Supervised once a worker in it listened: from then on, crashes are restarted.</summary>
    public bool Supervised { get; set; }

    public int UnstableInARow { get; set; }

    public bool GaveUp { get; set; }
}
