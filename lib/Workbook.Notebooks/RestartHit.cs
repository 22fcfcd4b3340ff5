namespace Workbook.Notebooks;

/// <summary>
/// What one worker's replacement did to the users: how many had a session on it when it left the rotation, which of
/// them were asked to log in again (<see cref="LoggedOut"/>) and how many finished their pages on it as it drained;
/// any other session it held that was lost (<see cref="LostEarlier"/>: before the moment, e.g. to its replacement);
/// where the other users' sessions were, and how many users had none open (between sessions).
/// </summary>
public sealed record RestartHit(ReplacedWorker Worker, int OnIt, IReadOnlyList<int> LoggedOut, int LostEarlier,
    IReadOnlyList<(string Worker, int Users)> Elsewhere, int BetweenSessions)
{
    /// <summary>Users with a session on the worker as it left who finished their pages there (it drained) and lost nothing.</summary>
    public int Finished => OnIt - LoggedOut.Count;

    public override string ToString() =>
        $"pid {Worker.OldPid} left the rotation {Worker.At.TotalSeconds:0.00} s into the run: {OnIt} users had a session on it; " +
        $"{LoggedOut.Count} were asked to log in again, {Finished} finished their pages on it as it drained" +
        (LostEarlier > 0 ? $" ({LostEarlier} more of its sessions were lost before that moment)" : "") +
        ". " + Others();

    private string Others()
    {
        var others = Elsewhere.Select(e => $"{e.Users} on pid {e.Worker}").ToList();
        if (BetweenSessions > 0) others.Add($"{BetweenSessions} between sessions");
        return others.Count == 0 ? "No other user had a session open then." : $"The other users: {string.Join(", ", others)}.";
    }
}
