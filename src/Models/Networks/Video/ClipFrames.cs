using static TorchSharp.torch;

namespace Orchestrator.Models.Networks.Video;

/// <summary>
/// How the batch of a video UNet's forward pass is cut into clips: <paramref name="Count"/> frames a sample,
/// folded frame-major into the batch, and which samples the temporal layers may mix.
/// </summary>
/// <param name="Count">F, the frames of every clip in the batch.</param>
/// <param name="Keep">1 for a video, 0 for an image whose frame is repeated, float (B*F, 1, 1, 1); null: all videos.</param>
internal readonly record struct ClipFrames(long Count, Tensor? Keep)
{
    /// <summary>One-frame clips are images: there is nothing to mix, and the temporal layers are skipped.</summary>
    public bool Mixes => Count > 1;
}
