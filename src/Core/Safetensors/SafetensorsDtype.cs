namespace Orchestrator.Core.Safetensors;

/// <summary>The dtypes this project reads and writes, and their sizes in bytes.</summary>
internal static class SafetensorsDtype
{
    private static readonly Dictionary<string, int> Sizes = new(StringComparer.Ordinal)
    {
        ["F64"] = 8,
        ["F32"] = 4,
        ["F16"] = 2,
        ["BF16"] = 2,
        ["I64"] = 8,
        ["I32"] = 4,
        ["U8"] = 1,
    };

    public static IEnumerable<string> Names => Sizes.Keys;

    public static bool TryGetSize(string dtype, out int size) => Sizes.TryGetValue(dtype, out size);

    /// <summary>Product of the dimensions, or null when one is negative or the product overflows.</summary>
    public static long? ElementCount(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (var dimension in shape)
        {
            if (dimension < 0)
            {
                return null;
            }

            try
            {
                count = checked(count * dimension);
            }
            catch (OverflowException)
            {
                return null;
            }
        }

        return count;
    }

    // The format is little-endian; the typed views reinterpret memory, which is only right on a
    // little-endian machine (x64 and arm64 both are).
    public static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors typed views need a little-endian machine");
        }
    }
}
