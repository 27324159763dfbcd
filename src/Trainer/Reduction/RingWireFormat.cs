namespace Orchestrator.Trainer.Reduction;

/// <summary>
/// Element type on the wire for float sums. The 16-bit formats halve the bytes sent; every hop
/// still accumulates in float32. Integer sums and maxima always travel in their own type.
/// </summary>
public enum RingWireFormat
{
    Float32,

    /// <summary>bfloat16: float32's range, 8 significant bits (relative error up to 2^-8 per rounding).</summary>
    BFloat16,

    /// <summary>IEEE half: 11 significant bits (2^-11 per rounding), but sums above 65504 become infinite.</summary>
    Float16,
}
