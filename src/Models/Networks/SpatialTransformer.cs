using TorchSharp.Modules;
using TorchSharp.Utils;
using static Orchestrator.Models.Numerics.ScalarConstants;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks;

/// <summary>
/// Latent Diffusion's spatial transformer (Rombach et al., 2022, section 3.3): GroupNorm, 1x1 projection,
/// a <see cref="TransformerBlock"/> over the H*W positions, 1x1 projection, plus the input.
/// (N, C, H, W) -> (N, C, H, W).
/// </summary>
internal sealed class SpatialTransformer : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "norm")]
    private readonly GroupNorm _norm;

    [ComponentName(Name = "proj_in")]
    private readonly Conv2d _projIn;

    [ComponentName(Name = "transformer_block")]
    private readonly TransformerBlock _transformerBlock;

    [ComponentName(Name = "proj_out")]
    private readonly Conv2d _projOut;

    public SpatialTransformer(long channels, long contextDim, long heads)
        : base(nameof(SpatialTransformer))
    {
        _norm = Normalization.Group(channels);
        _projIn = nn.Conv2d(channels, channels, 1);
        _transformerBlock = new TransformerBlock(channels, contextDim, heads);
        _projOut = nn.Conv2d(channels, channels, 1);
        RegisterComponents();
    }

    /// <param name="x">(N, C, H, W).</param>
    /// <param name="context">Caption states, (N, L, D).</param>
    /// <param name="padding">True at pad tokens, bool (N, L).</param>
    public override Tensor forward(Tensor x, Tensor context, Tensor padding)
    {
        using var scope = NewDisposeScope();
        var (n, c, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        // (N, C, H, W) -> (N, HW, C)
        var tokens = _projIn.call(_norm.call(x)).flatten(2).transpose(1, 2);
        tokens = _transformerBlock.call(tokens, context, padding);
        var h = tokens.transpose(1, 2).reshape(n, c, height, width);
        return x.add(_projOut.call(h), One).MoveToOuterDisposeScope();
    }
}
