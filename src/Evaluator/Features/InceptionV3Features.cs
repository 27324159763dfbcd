using System.Security.Cryptography;
using Orchestrator.Core.Safetensors;
using Orchestrator.Evaluator.Features.Inception;
using Orchestrator.Evaluator.Metrics;
using Orchestrator.Models.State;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Features;

/// <summary>
/// FID's features: the 2048-d pool of pytorch-fid's Inception-v3, loaded from the safetensors file that
/// tools/convert_pt_inception.py writes from pytorch-fid's pt_inception-2015-12-05 weights (docs/evaluation.md).
/// Images are resized to 299x299 (bilinear, align_corners=False, no antialiasing) as pytorch-fid does, then fed
/// in [-1, 1], the range its normalisation produces.
/// </summary>
public sealed class InceptionV3Features : IFeatureExtractor
{
    /// <summary>Side length the network sees.</summary>
    public const int InputSize = 299;

    /// <summary>Length of the pool features.</summary>
    public const int FeatureDimension = 2048;

    /// <summary>The spec key that names the weights file.</summary>
    public const string WeightsKey = "eval.inception_weights";

    // Images per forward pass: a 299x299 batch of 16 needs about 1.5 GB of activations.
    private const int ChunkSize = 16;

    private readonly FidInceptionV3 _net;

    private InceptionV3Features(FidInceptionV3 net, string weightsDigest)
    {
        _net = net;
        WeightsDigest = weightsDigest;
    }

    /// <inheritdoc />
    public string Name => $"inception-v3-fid-{InputSize}px-w{WeightsDigest}";

    /// <inheritdoc />
    public string MetricName => "fid";

    /// <inheritdoc />
    public int Dimension => FeatureDimension;

    /// <summary>First 8 hex digits of the SHA-256 of the weights file: other weights, other features, other cache entries.</summary>
    public string WeightsDigest { get; }

    /// <summary>Whether FID can be computed with the weights file of the spec (empty when none is set).</summary>
    public static MetricStatus Availability(string weightsPath)
    {
        ArgumentNullException.ThrowIfNull(weightsPath);
        if (weightsPath.Length == 0)
        {
            return new MetricStatus("fid", false,
                $"FID off: no Inception weights ({WeightsKey} is not set); convert pytorch-fid's pt_inception-2015-12-05 " +
                "weights with tools/convert_pt_inception.py (docs/evaluation.md).");
        }
        return File.Exists(weightsPath)
            ? new MetricStatus("fid", true, $"FID on: pytorch-fid Inception-v3 weights from {weightsPath}.")
            : new MetricStatus("fid", false, $"FID off: {WeightsKey} '{weightsPath}' does not exist.");
    }

    /// <summary>Loads the weights; a missing file, tensor or shape gets an error naming the file and the tensor.</summary>
    public static InceptionV3Features Load(string weightsPath)
    {
        ArgumentNullException.ThrowIfNull(weightsPath);
        if (!File.Exists(weightsPath))
        {
            throw new FileNotFoundException(
                $"{WeightsKey}: '{weightsPath}' does not exist; expected the safetensors file written by tools/convert_pt_inception.py.",
                weightsPath);
        }
        var tensors = SafetensorsFile.Read(weightsPath);
        var net = new FidInceptionV3();
        try
        {
            foreach (var (name, target) in net.state_dict())
            {
                // pytorch-fid's file predates BatchNorm's step counter, which inference never reads.
                if (!name.EndsWith(".num_batches_tracked", StringComparison.Ordinal))
                    ModuleState.CopyInto(target, tensors, name);
            }
        }
        catch
        {
            net.Dispose();
            throw;
        }
        foreach (var parameter in net.parameters())
            parameter.requires_grad = false;
        net.eval();
        return new InceptionV3Features(net, Digest(weightsPath));
    }

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
            // pytorch-fid resizes always, without antialiasing, also when the size already matches (a no-op then).
            chunk = nn.functional.interpolate(
                chunk, size: [InputSize, InputSize], mode: InterpolationMode.Bilinear, align_corners: false);
            chunks.Add(_net.call(chunk));
        }
        var features = chunks.Count == 0 ? zeros(0, FeatureDimension) : cat(chunks, 0);  // (n, 2048)
        return features.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose() => _net.Dispose();

    private static string Digest(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream))[..8];
    }
}
