namespace Orchestrator.DataLoader.Sampling;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny PRNG with a fully specified output, so that a
/// permutation or a synthetic image drawn from a seed is the same on every .NET version and machine
/// (System.Random's algorithm is unspecified).
/// </summary>
internal struct SplitMix64(ulong state)
{
    private ulong _state = state;

    public SplitMix64(long seed)
        : this((ulong)seed)
    {
    }

    public ulong Next()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, bound), without modulo bias (rejection of the short last stripe).</summary>
    public ulong NextBelow(ulong bound)
    {
        ArgumentOutOfRangeException.ThrowIfZero(bound);
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = Next();
            if (r >= threshold)
            {
                return r % bound;
            }
        }
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [low, high).</summary>
    public double NextDouble(double low, double high) => low + ((high - low) * NextDouble());

    /// <summary>A seed for a sub-stream, from a parent seed and an index (e.g. a block or a row).</summary>
    public static ulong Combine(ulong seed, ulong index) => Mix(Mix(seed) ^ (index + 0x9E3779B97F4A7C15UL));

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
