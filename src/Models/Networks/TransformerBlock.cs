using TorchSharp.Modules;
using TorchSharp.Utils;
using static Orchestrator.Models.Numerics.ScalarConstants;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks;

/// <summary>
/// Latent Diffusion's transformer block (Rombach et al., 2022): pre-norm self-attention over positions,
/// cross-attention to the caption (pad keys masked), feed-forward, each residual. (N, HW, C) -> (N, HW, C).
/// </summary>
internal sealed class TransformerBlock : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "norm1")]
    private readonly LayerNorm _norm1;

    [ComponentName(Name = "attn1")]
    private readonly Attention _attn1;

    [ComponentName(Name = "norm2")]
    private readonly LayerNorm _norm2;

    [ComponentName(Name = "attn2")]
    private readonly Attention _attn2;

    [ComponentName(Name = "norm3")]
    private readonly LayerNorm _norm3;

    [ComponentName(Name = "ff")]
    private readonly FeedForward _ff;

    public TransformerBlock(long width, long contextDim, long heads)
        : base(nameof(TransformerBlock))
    {
        _norm1 = Normalization.Layer(width);
        _attn1 = new Attention(width, width, heads);
        _norm2 = Normalization.Layer(width);
        _attn2 = new Attention(width, contextDim, heads);
        _norm3 = Normalization.Layer(width);
        _ff = new FeedForward(width);
        RegisterComponents();
    }

    /// <param name="x">(N, HW, C).</param>
    /// <param name="context">Caption states, (N, L, D).</param>
    /// <param name="padding">True at pad tokens, bool (N, L).</param>
    public override Tensor forward(Tensor x, Tensor context, Tensor padding)
    {
        using var scope = NewDisposeScope();
        var normed = _norm1.call(x);
        var h = x.add(_attn1.call(normed, normed, null), One);
        h = h.add(_attn2.call(_norm2.call(h), context, padding), One);
        h = h.add(_ff.call(_norm3.call(h)), One);
        return h.MoveToOuterDisposeScope();
    }
}
