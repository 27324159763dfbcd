using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Evaluation;

/// <summary>
/// Real images (n, 3, H, W) in [-1, 1] from the validation shards, with their captions, and the shard files they
/// came from (which key the cached reference statistics; empty: statistics are computed, never cached). For clips,
/// the frames of n clips, (n*F, 3, H, W), and the n clips' captions.
/// </summary>
public sealed class HeldOutImages(Tensor images, IReadOnlyList<string> captions, IReadOnlyList<string>? files = null) : IDisposable
{
    public Tensor Images { get; } = images;

    public IReadOnlyList<string> Captions { get; } = captions;

    public IReadOnlyList<string> Files { get; } = files ?? [];

    public void Dispose() => Images.Dispose();
}
