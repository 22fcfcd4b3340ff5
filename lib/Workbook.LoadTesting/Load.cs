namespace Workbook.LoadTesting;

/// <summary>
/// Load profiles in NBomber's vocabulary. <c>KeepConstant(200, 10 s)</c> is <c>ab -c200 -t10</c>;
/// <c>Inject(500, 1 s, 10 s)</c> sends 500 requests every second for 10 s, however slow the answers.
/// Ramps start where the previous phase ended (from 0 for the first).
/// </summary>
public static class Load
{
    /// <summary>Closed model: <paramref name="copies"/> clients, each sending its next request once the last is answered.</summary>
    public static LoadPhase KeepConstant(int copies, TimeSpan during) => new ClosedPhase(Positive(copies), copies, Check(during));

    /// <summary>Closed model: the number of clients changes linearly to <paramref name="copies"/> over <paramref name="during"/>.</summary>
    public static LoadPhase RampingConstant(int copies, TimeSpan during) => new ClosedPhase(-1, NotNegative(copies), Check(during));

    /// <summary>Open model: <paramref name="rate"/> requests every <paramref name="interval"/>, sent on schedule.</summary>
    public static LoadPhase Inject(double rate, TimeSpan interval, TimeSpan during) =>
        new OpenPhase(PerSecond(rate, interval), PerSecond(rate, interval), Check(during));

    /// <summary>Open model: the rate changes linearly to <paramref name="rate"/> per <paramref name="interval"/> over <paramref name="during"/>.</summary>
    public static LoadPhase RampingInject(double rate, TimeSpan interval, TimeSpan during) =>
        new OpenPhase(-1, PerSecond(rate, interval, allowZero: true), Check(during));

    /// <summary>Fills in where each ramp starts and checks that the phases are all closed or all open.</summary>
    internal static IReadOnlyList<LoadPhase> Resolve(IReadOnlyList<LoadPhase> phases)
    {
        if (phases.Count == 0) throw new ArgumentException("A load test needs at least one phase, e.g. Load.KeepConstant(10, TimeSpan.FromSeconds(5)).");
        if (phases.Any(p => p is ClosedPhase) && phases.Any(p => p is OpenPhase))
            throw new ArgumentException("A load test is either closed (KeepConstant, RampingConstant) or open (Inject, RampingInject), not both.");
        var resolved = new List<LoadPhase>();
        double level = 0;
        foreach (var phase in phases)
        {
            resolved.Add(phase switch
            {
                ClosedPhase c when c.From < 0 => c with { From = (int)level },
                OpenPhase o when o.From < 0 => o with { From = level },
                _ => phase,
            });
            level = phase switch { ClosedPhase c => c.To, OpenPhase o => o.To, _ => level };
        }
        return resolved;
    }

    private static TimeSpan Check(TimeSpan during) =>
        during > TimeSpan.Zero ? during : throw new ArgumentOutOfRangeException(nameof(during), during, "A phase must last longer than zero.");

    private static int Positive(int copies) =>
        copies > 0 ? copies : throw new ArgumentOutOfRangeException(nameof(copies), copies, "At least one client.");

    private static int NotNegative(int copies) =>
        copies >= 0 ? copies : throw new ArgumentOutOfRangeException(nameof(copies), copies, "The number of clients cannot be negative.");

    private static double PerSecond(double rate, TimeSpan interval, bool allowZero = false)
    {
        if (interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval), interval, "The interval must be longer than zero.");
        if (rate < 0 || (!allowZero && rate == 0) || double.IsNaN(rate) || double.IsInfinity(rate))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "The rate must be a positive number.");
        return rate / interval.TotalSeconds;
    }
}
