namespace Workbook.LoadTesting;

/// <summary>An open phase: the rate goes from <see cref="From"/> to <see cref="To"/> requests per second (equal: constant).</summary>
public sealed record OpenPhase(double From, double To, TimeSpan Duration) : LoadPhase(Duration);
