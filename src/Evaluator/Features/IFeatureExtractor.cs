using TorchSharp;

namespace Orchestrator.Evaluator.Features;

/// <summary>Maps images to feature vectors for distribution metrics (Fréchet distance and the like).</summary>
public interface IFeatureExtractor : IDisposable
{
    /// <summary>Names the extractor and everything that changes its features; reported beside every distance.</summary>
    string Name { get; }

    /// <summary>
    /// Name of the Fréchet distance on these features in reports and telemetry: "fid" only for pytorch-fid's
    /// Inception-v3 (Heusel et al. 2017), "frechet-" + a name of the features otherwise, so that no other
    /// distance passes for FID.
    /// </summary>
    string MetricName => $"frechet-{Name}";

    /// <summary>Length D of each feature vector.</summary>
    int Dimension { get; }

    /// <summary>Features of images (n, 3, H, W) in [-1, 1]: a (n, D) float32 CPU tensor the caller disposes.</summary>
    torch.Tensor Extract(torch.Tensor images);
}
