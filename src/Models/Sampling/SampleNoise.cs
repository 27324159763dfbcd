using static TorchSharp.torch;

namespace Orchestrator.Models.Sampling;

/// <summary>
/// One CPU generator per sample, seeded from that sample's seed alone: sample i's initial and per-step noise are
/// the same whatever else is in the batch and whatever the device.
/// </summary>
internal sealed class SampleNoise : IDisposable
{
    private readonly Generator[] _generators;
    private readonly long[] _sampleShape;

    /// <param name="seeds">One seed per sample.</param>
    /// <param name="sampleShape">Shape of one sample, (C, F, H, W).</param>
    public SampleNoise(long[] seeds, long[] sampleShape)
    {
        _generators = seeds.Select(seed => new Generator((ulong)seed, CPU)).ToArray();
        _sampleShape = sampleShape;
    }

    /// <summary>The next standard normal draw of every sample, float (n, C, F, H, W) on the given device.</summary>
    public Tensor Next(Device device)
    {
        using var scope = NewDisposeScope();
        var draws = _generators.Select(generator => randn(_sampleShape, float32, CPU, generator: generator));
        return stack(draws.ToArray()).to(device).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var generator in _generators)
        {
            generator.Dispose();
        }
    }
}
