namespace Orchestrator.Core.Sampling;

/// <summary>
/// Seeds of the random draws of one sample (timestep, noise, caption dropout, crop), derived from
/// (run seed, epoch, global sample index) alone, so that a draw does not depend on which worker saw
/// the sample, on the world size, or on a resume (DESIGN.md, "Data: sample plan and cursor").
/// </summary>
public static class SampleSeed
{
    /// <summary>What a seed is for; each purpose gets an independent stream.</summary>
    public enum Purpose : ulong
    {
        Timestep = 1,
        Noise = 2,
        CaptionDropout = 3,
        Crop = 4,
        Permutation = 5,
        Sampling = 6,
    }

    /// <summary>A 63-bit seed for torch.Generator or System.Random from the sample's coordinates.</summary>
    public static long Derive(long runSeed, long epoch, long sampleIndex, Purpose purpose)
    {
        ulong h = Mix((ulong)runSeed);
        h = Mix(h ^ (ulong)epoch);
        h = Mix(h ^ (ulong)sampleIndex);
        h = Mix(h ^ (ulong)purpose);
        return (long)(h >> 1);
    }

    // SplitMix64's finalizer (Steele, Lea and Flood, 2014): a bijection with full avalanche, so
    // neighbouring indices give unrelated seeds.
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
