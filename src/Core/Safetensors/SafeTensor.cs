using System.Runtime.InteropServices;

namespace Orchestrator.Core.Safetensors;

/// <summary>
/// One tensor of a safetensors file: dtype name as the format spells it (F32, F64, I64, I32, BF16,
/// F16, U8), shape (empty for a scalar) and the little-endian bytes in row-major order.
/// </summary>
public sealed record SafeTensor(string Dtype, long[] Shape, byte[] Data)
{
    /// <summary>Number of elements: the product of the shape (1 for a scalar).</summary>
    public long ElementCount => SafetensorsDtype.ElementCount(Shape)
        ?? throw new ArgumentException($"tensor shape [{string.Join(", ", Shape)}] has a negative or too large dimension");

    /// <summary>An F32 tensor of <paramref name="values"/>; the shape defaults to one dimension.</summary>
    public static SafeTensor FromFloats(float[] values, params long[] shape) =>
        Create("F32", MemoryMarshal.AsBytes(values.AsSpan()), values.Length, shape);

    /// <summary>An F64 tensor of <paramref name="values"/>; the shape defaults to one dimension.</summary>
    public static SafeTensor FromDoubles(double[] values, params long[] shape) =>
        Create("F64", MemoryMarshal.AsBytes(values.AsSpan()), values.Length, shape);

    /// <summary>An I64 tensor of <paramref name="values"/>; the shape defaults to one dimension.</summary>
    public static SafeTensor FromLongs(long[] values, params long[] shape) =>
        Create("I64", MemoryMarshal.AsBytes(values.AsSpan()), values.Length, shape);

    /// <summary>An I32 tensor of <paramref name="values"/>; the shape defaults to one dimension.</summary>
    public static SafeTensor FromInts(int[] values, params long[] shape) =>
        Create("I32", MemoryMarshal.AsBytes(values.AsSpan()), values.Length, shape);

    /// <summary>The values of an F32 tensor.</summary>
    public float[] ToFloats() => MemoryMarshal.Cast<byte, float>(Expect("F32")).ToArray();

    /// <summary>The values of an F64 tensor.</summary>
    public double[] ToDoubles() => MemoryMarshal.Cast<byte, double>(Expect("F64")).ToArray();

    /// <summary>The values of an I64 tensor.</summary>
    public long[] ToLongs() => MemoryMarshal.Cast<byte, long>(Expect("I64")).ToArray();

    /// <summary>The values of an I32 tensor.</summary>
    public int[] ToInts() => MemoryMarshal.Cast<byte, int>(Expect("I32")).ToArray();

    private static SafeTensor Create(string dtype, ReadOnlySpan<byte> bytes, int count, long[] shape)
    {
        SafetensorsDtype.RequireLittleEndian();
        if (shape.Length == 0)
        {
            shape = [count];
        }

        var expected = SafetensorsDtype.ElementCount(shape);
        if (expected != count)
        {
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {expected} elements, got {count} values");
        }

        return new SafeTensor(dtype, shape, bytes.ToArray());
    }

    private ReadOnlySpan<byte> Expect(string dtype)
    {
        SafetensorsDtype.RequireLittleEndian();
        if (Dtype != dtype)
        {
            throw new InvalidOperationException($"tensor has dtype {Dtype}; expected {dtype}");
        }

        return Data;
    }
}
