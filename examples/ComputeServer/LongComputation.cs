/// <summary>The notes' longComputation: a plain loop that keeps one core busy.</summary>
public static class LongComputation
{
    /// <summary>About 1.5 s on one core of the workbook's machines (5e9 additions, optimised).</summary>
    public const long DefaultIterations = 5_000_000_000;

    public static ulong Run(long iterations)
    {
        ulong sum = 0;
        for (long i = 0; i < iterations; i++) sum += (ulong)i;
        return sum;
    }
}
