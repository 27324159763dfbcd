using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks.Video;

/// <summary>
/// The video UNet's bottleneck: the image UNet's <see cref="MidBlock"/> (same parameter names) with a temporal
/// convolution after each residual block and a temporal attention after the spatial transformer.
/// </summary>
internal sealed class VideoMidBlock : nn.Module
{
    [ComponentName(Name = "resnets")]
    private readonly ModuleList<ResBlock> _resnets;

    [ComponentName(Name = "attention")]
    private readonly SpatialTransformer _attention;

    [ComponentName(Name = "temporal_convs")]
    private readonly ModuleList<TemporalConvolution> _temporalConvs;

    [ComponentName(Name = "temporal_attention")]
    private readonly TemporalAttention _temporalAttention;

    public VideoMidBlock(long channels, long timeEmbeddingDim, long contextDim, long heads, long temporalHeads,
        long maxFrameDistance)
        : base(nameof(VideoMidBlock))
    {
        _resnets = new ModuleList<ResBlock>(
            new ResBlock(channels, channels, timeEmbeddingDim), new ResBlock(channels, channels, timeEmbeddingDim));
        _attention = new SpatialTransformer(channels, contextDim, heads);
        _temporalConvs = new ModuleList<TemporalConvolution>(
            new TemporalConvolution(channels), new TemporalConvolution(channels));
        _temporalAttention = new TemporalAttention(channels, temporalHeads, maxFrameDistance);
        RegisterComponents();
    }

    /// <param name="h">(B*F, C, H, W).</param>
    /// <param name="timeEmbedding">(B*F, E).</param>
    /// <param name="context">Caption states, (B*F, L, D).</param>
    /// <param name="padding">True at pad tokens, bool (B*F, L).</param>
    /// <param name="frames">How the batch folds clips.</param>
    public Tensor forward(Tensor h, Tensor timeEmbedding, Tensor context, Tensor padding, ClipFrames frames)
    {
        using var scope = NewDisposeScope();
        h = _resnets[0].call(h, timeEmbedding);
        if (frames.Mixes)
        {
            h = _temporalConvs[0].forward(h, frames.Count, frames.Keep);
        }

        h = _attention.call(h, context, padding);
        if (frames.Mixes)
        {
            h = _temporalAttention.forward(h, frames.Count, frames.Keep);
        }

        h = _resnets[1].call(h, timeEmbedding);
        if (frames.Mixes)
        {
            h = _temporalConvs[1].forward(h, frames.Count, frames.Keep);
        }

        return h.MoveToOuterDisposeScope();
    }
}
