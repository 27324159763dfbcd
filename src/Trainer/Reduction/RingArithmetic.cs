using System.Numerics;
using System.Runtime.InteropServices;

namespace Orchestrator.Trainer.Reduction;

/// <summary>
/// The element-wise work of the ring: combining a received piece into the buffer (SIMD through
/// <see cref="Vector{T}"/>) and converting float32 to and from the 16-bit wire formats.
/// </summary>
internal static class RingArithmetic
{
    public static void Add(Span<float> target, ReadOnlySpan<float> source)
    {
        var t = MemoryMarshal.Cast<float, Vector<float>>(target);
        var s = MemoryMarshal.Cast<float, Vector<float>>(source);
        for (int i = 0; i < t.Length; i++)
        {
            t[i] += s[i];
        }
        for (int i = t.Length * Vector<float>.Count; i < target.Length; i++)
        {
            target[i] += source[i];
        }
    }

    public static void Add(Span<long> target, ReadOnlySpan<long> source)
    {
        var t = MemoryMarshal.Cast<long, Vector<long>>(target);
        var s = MemoryMarshal.Cast<long, Vector<long>>(source);
        for (int i = 0; i < t.Length; i++)
        {
            t[i] += s[i];
        }
        for (int i = t.Length * Vector<long>.Count; i < target.Length; i++)
        {
            target[i] += source[i];
        }
    }

    /// <summary>Scalar on purpose: MathF.Max's NaN rule, as the in-process group applies it (maxima are tiny buffers).</summary>
    public static void Max(Span<float> target, ReadOnlySpan<float> source)
    {
        for (int i = 0; i < target.Length; i++)
        {
            target[i] = MathF.Max(target[i], source[i]);
        }
    }

    /// <summary>float32 to bfloat16 bits, round to nearest even; NaN stays a (quiet) NaN.</summary>
    public static void ToBFloat16(ReadOnlySpan<float> source, Span<ushort> target)
    {
        var bits = MemoryMarshal.Cast<float, uint>(source);
        int vectors = source.Length / (2 * Vector<uint>.Count);
        var words = MemoryMarshal.Cast<uint, Vector<uint>>(bits);
        var narrowed = MemoryMarshal.Cast<ushort, Vector<ushort>>(target);
        for (int v = 0; v < vectors; v++)
        {
            narrowed[v] = Vector.Narrow(RoundToUpperHalf(words[2 * v]), RoundToUpperHalf(words[2 * v + 1]));
        }
        for (int i = vectors * 2 * Vector<uint>.Count; i < source.Length; i++)
        {
            target[i] = BFloat16(bits[i]);
        }
    }

    public static void FromBFloat16(ReadOnlySpan<ushort> source, Span<float> target)
    {
        var narrow = MemoryMarshal.Cast<ushort, Vector<ushort>>(source);
        var wide = MemoryMarshal.Cast<float, Vector<uint>>(target);
        for (int v = 0; v < narrow.Length; v++)
        {
            Vector.Widen(narrow[v], out var low, out var high);
            wide[2 * v] = low << 16;
            wide[2 * v + 1] = high << 16;
        }
        for (int i = narrow.Length * Vector<ushort>.Count; i < source.Length; i++)
        {
            target[i] = BitConverter.UInt32BitsToSingle((uint)source[i] << 16);
        }
    }

    public static void AddBFloat16(Span<float> target, ReadOnlySpan<ushort> source)
    {
        var narrow = MemoryMarshal.Cast<ushort, Vector<ushort>>(source);
        var sums = MemoryMarshal.Cast<float, Vector<float>>(target);
        for (int v = 0; v < narrow.Length; v++)
        {
            Vector.Widen(narrow[v], out var low, out var high);
            sums[2 * v] += Vector.AsVectorSingle(low << 16);
            sums[2 * v + 1] += Vector.AsVectorSingle(high << 16);
        }
        for (int i = narrow.Length * Vector<ushort>.Count; i < source.Length; i++)
        {
            target[i] += BitConverter.UInt32BitsToSingle((uint)source[i] << 16);
        }
    }

    public static void ToHalf(ReadOnlySpan<float> source, Span<ushort> target)
    {
        for (int i = 0; i < source.Length; i++)
        {
            target[i] = BitConverter.HalfToUInt16Bits((Half)source[i]);
        }
    }

    public static void FromHalf(ReadOnlySpan<ushort> source, Span<float> target)
    {
        for (int i = 0; i < source.Length; i++)
        {
            target[i] = (float)BitConverter.UInt16BitsToHalf(source[i]);
        }
    }

    public static void AddHalf(Span<float> target, ReadOnlySpan<ushort> source)
    {
        for (int i = 0; i < source.Length; i++)
        {
            target[i] += (float)BitConverter.UInt16BitsToHalf(source[i]);
        }
    }

    /// <summary>Rounds float32 values in place to what the wire format carries, so the owner of a segment keeps the bits its peers receive.</summary>
    public static void RoundTo(RingWireFormat format, Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = format == RingWireFormat.BFloat16
                ? BitConverter.UInt32BitsToSingle((uint)BFloat16(BitConverter.SingleToUInt32Bits(values[i])) << 16)
                : (float)(Half)values[i];
        }
    }

    // Round to nearest even on the upper 16 bits (bfloat16 = the top half of float32); NaN keeps its top bits plus the quiet bit.
    private static Vector<uint> RoundToUpperHalf(Vector<uint> bits)
    {
        var lsb = (bits >> 16) & Vector<uint>.One;
        var rounded = (bits + new Vector<uint>(0x7FFF) + lsb) >> 16;
        var isNaN = Vector.GreaterThan(bits & new Vector<uint>(0x7FFFFFFF), new Vector<uint>(0x7F800000));
        return Vector.ConditionalSelect(isNaN, (bits >> 16) | new Vector<uint>(0x40), rounded);
    }

    private static ushort BFloat16(uint bits) =>
        (bits & 0x7FFFFFFF) > 0x7F800000
            ? (ushort)((bits >> 16) | 0x40)
            : (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
}
