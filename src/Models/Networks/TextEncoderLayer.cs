using TorchSharp.Modules;
using TorchSharp.Utils;
using static Orchestrator.Models.Numerics.ScalarConstants;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks;

/// <summary>A pre-norm Transformer encoder layer (Xiong et al., 2020): x + attn(LN(x)), then x + ff(LN(x)).</summary>
internal sealed class TextEncoderLayer : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "layer_norm1")]
    private readonly LayerNorm _layerNorm1;

    [ComponentName(Name = "self_attn")]
    private readonly Attention _selfAttn;

    [ComponentName(Name = "layer_norm2")]
    private readonly LayerNorm _layerNorm2;

    [ComponentName(Name = "mlp")]
    private readonly FeedForward _mlp;

    public TextEncoderLayer(long width, long heads)
        : base(nameof(TextEncoderLayer))
    {
        _layerNorm1 = Normalization.Layer(width);
        _selfAttn = new Attention(width, width, heads);
        _layerNorm2 = Normalization.Layer(width);
        _mlp = new FeedForward(width);
        RegisterComponents();
    }

    /// <param name="x">(B, L, D).</param>
    /// <param name="padding">True at pad tokens, bool (B, L): masked as keys.</param>
    public override Tensor forward(Tensor x, Tensor padding)
    {
        using var scope = NewDisposeScope();
        var normed = _layerNorm1.call(x);
        var h = x.add(_selfAttn.call(normed, normed, padding), One);
        h = h.add(_mlp.call(_layerNorm2.call(h)), One);
        return h.MoveToOuterDisposeScope();
    }
}
