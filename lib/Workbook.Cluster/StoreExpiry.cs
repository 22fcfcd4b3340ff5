namespace Workbook.Cluster;

/// <summary>When a key expires: <see cref="After"/> from now, or, when <see cref="Sliding"/>, after its last read or refresh.</summary>
public sealed record StoreExpiry(TimeSpan After, bool Sliding = false)
{
    public static StoreExpiry In(TimeSpan after) => new(after);

    public static StoreExpiry SlidingBy(TimeSpan idle) => new(idle, Sliding: true);

    internal void Validate()
    {
        if (After <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(After), After, "An expiry must be positive.");
    }
}
