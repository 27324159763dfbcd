using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Features;

/// <summary>
/// A fixed, seeded, random-weight convolutional network used as a cheap feature extractor where no pretrained
/// one is to be had. Random convolutional features separate image distributions usefully (Naeem et al. 2020,
/// "Reliable Fidelity and Diversity Metrics for Generative Models"), but their distances are not
/// comparable with FID: report them under <see cref="Name"/>.
/// </summary>
public sealed class RandomConvFeatures : IFeatureExtractor
{
    /// <summary>Default feature length.</summary>
    public const int DefaultDimension = 128;

    /// <summary>Default side length images are resized to.</summary>
    public const int DefaultInputSize = 64;

    // Images per forward pass: bounds the memory of a large Extract call.
    private const int ChunkSize = 256;

    private readonly RandomConvNet _net;

    /// <param name="dimension">Feature length D.</param>
    /// <param name="seed">Seed of the weights: the same seed gives the same features.</param>
    /// <param name="inputSize">Side length S images are resized to (bilinear, antialiased) before the network; at least 8.</param>
    public RandomConvFeatures(int dimension = DefaultDimension, long seed = 0, int inputSize = DefaultInputSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 8);
        Dimension = dimension;
        InputSize = inputSize;
        Seed = seed;
        _net = new RandomConvNet(dimension, seed);
    }

    /// <inheritdoc />
    public string Name => $"random-conv-{Dimension}-seed{Seed}-{InputSize}px";

    /// <inheritdoc />
    public int Dimension { get; }

    /// <summary>Side length images are resized to.</summary>
    public int InputSize { get; }

    /// <summary>Seed of the weights.</summary>
    public long Seed { get; }

    /// <inheritdoc />
    public Tensor Extract(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = FeatureInput.ToCheckedFloat(images);

        var chunks = new List<Tensor>();
        for (long start = 0; start < x.shape[0]; start += ChunkSize)
        {
            var chunk = x.narrow(0, start, Math.Min(ChunkSize, x.shape[0] - start));
            if (chunk.shape[2] != InputSize || chunk.shape[3] != InputSize)
            {
                chunk = nn.functional.interpolate(
                    chunk, size: [InputSize, InputSize], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
            }
            chunks.Add(_net.forward(chunk));
        }
        var features = chunks.Count == 0 ? zeros(0, Dimension) : cat(chunks, 0);  // (n, D)
        return features.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose() => _net.Dispose();
}
