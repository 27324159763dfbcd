using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Evaluation;

/// <summary>Real images (n, 3, H, W) in [-1, 1] from the validation shards, with their captions.</summary>
public sealed class HeldOutImages(Tensor images, IReadOnlyList<string> captions) : IDisposable
{
    public Tensor Images { get; } = images;

    public IReadOnlyList<string> Captions { get; } = captions;

    public void Dispose() => Images.Dispose();
}
