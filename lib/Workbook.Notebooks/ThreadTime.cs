namespace Workbook.Notebooks;

/// <summary>
/// How a thread spent a stretch of time: running on a core, ready to run but waiting for one, or idle (blocked: it had
/// nothing to do). From Linux's per-thread scheduler statistics (<c>/proc/PID/task/TID/schedstat</c>, in nanoseconds).
/// </summary>
public sealed record ThreadTime(TimeSpan Window, TimeSpan Running, TimeSpan WaitingForCore)
{
    /// <summary>The rest of the window: the thread was blocked, with nothing to run.</summary>
    public TimeSpan Idle => Window - Running - WaitingForCore > TimeSpan.Zero ? Window - Running - WaitingForCore : TimeSpan.Zero;

    /// <summary>The part of the window the thread ran on a core (one thread: one core at most).</summary>
    public double RunningShare => Share(Running);

    /// <summary>The part of the window the thread was ready to run but waited for a core.</summary>
    public double WaitingShare => Share(WaitingForCore);

    /// <summary>The part of the window the thread had nothing to do.</summary>
    public double IdleShare => Share(Idle);

    private double Share(TimeSpan part) => Window > TimeSpan.Zero ? Math.Min(1, part / Window) : 0;

    /// <summary>"computing 92%, waiting for a core 6%, idle 2% of 3.00 s".</summary>
    public override string ToString() =>
        $"computing {RunningShare:P0}, waiting for a core {WaitingShare:P0}, idle {IdleShare:P0} of {Window.TotalSeconds:0.00} s";
}
