using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks;

/// <summary>The UNet's bottleneck at the lowest resolution: residual block, spatial transformer, residual block.</summary>
internal sealed class MidBlock : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "resnets")]
    private readonly ModuleList<ResBlock> _resnets;

    [ComponentName(Name = "attention")]
    private readonly SpatialTransformer _attention;

    public MidBlock(long channels, long timeEmbeddingDim, long contextDim, long heads)
        : base(nameof(MidBlock))
    {
        _resnets = new ModuleList<ResBlock>(
            new ResBlock(channels, channels, timeEmbeddingDim), new ResBlock(channels, channels, timeEmbeddingDim));
        _attention = new SpatialTransformer(channels, contextDim, heads);
        RegisterComponents();
    }

    /// <param name="h">(N, C, H, W).</param>
    /// <param name="timeEmbedding">(N, E).</param>
    /// <param name="context">Caption states, (N, L, D).</param>
    /// <param name="padding">True at pad tokens, bool (N, L).</param>
    public override Tensor forward(Tensor h, Tensor timeEmbedding, Tensor context, Tensor padding)
    {
        using var scope = NewDisposeScope();
        h = _resnets[0].call(h, timeEmbedding);
        h = _attention.call(h, context, padding);
        return _resnets[1].call(h, timeEmbedding).MoveToOuterDisposeScope();
    }
}
