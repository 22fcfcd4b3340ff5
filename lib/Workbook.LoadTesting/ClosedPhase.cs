namespace Workbook.LoadTesting;

/// <summary>A closed phase: the number of concurrent clients goes from <see cref="From"/> to <see cref="To"/> (equal: constant).</summary>
public sealed record ClosedPhase(int From, int To, TimeSpan Duration) : LoadPhase(Duration);
