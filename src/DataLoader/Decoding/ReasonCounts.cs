using System.Globalization;

namespace Orchestrator.DataLoader.Decoding;

/// <summary>
/// Thread-safe counts of rows left out, one per value of <typeparamref name="TReason"/>; the subclasses say how a row
/// is recorded (its metric and its log line).
/// </summary>
public abstract class ReasonCounts<TReason>
    where TReason : struct, Enum
{
    private static readonly TReason[] s_reasons = Enum.GetValues<TReason>();
    private readonly long[] _counts = new long[s_reasons.Length];

    /// <summary>Rows counted so far, all reasons together.</summary>
    public long Total => s_reasons.Sum(Count);

    /// <summary>Rows counted so far for <paramref name="reason"/>.</summary>
    public long Count(TReason reason) => Interlocked.Read(ref _counts[Index(reason)]);

    /// <summary>The counts as text, e.g. "none" or "Undecodable 2, MissingImage 1".</summary>
    public string Describe()
    {
        var parts = s_reasons.Where(r => Count(r) > 0).Select(r => $"{r} {Count(r)}").ToList();
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    /// <summary>Adds one row to <paramref name="reason"/>'s count.</summary>
    protected void Increment(TReason reason) => Interlocked.Increment(ref _counts[Index(reason)]);

    private static int Index(TReason reason) => Convert.ToInt32(reason, CultureInfo.InvariantCulture);
}
