using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Clip;

/// <summary>Pre-norm transformer layer: x + attn(LN1(x)), then x + mlp(LN2(x)) (Hugging Face's CLIPEncoderLayer names).</summary>
internal sealed class ClipEncoderLayer : nn.Module<Tensor, Tensor?, Tensor>
{
    private static readonly Scalar One = 1.ToScalar();

    [ComponentName(Name = "self_attn")]
    private readonly ClipAttention _selfAttn;

    [ComponentName(Name = "layer_norm1")]
    private readonly LayerNorm _layerNorm1;

    [ComponentName(Name = "mlp")]
    private readonly ClipMlp _mlp;

    [ComponentName(Name = "layer_norm2")]
    private readonly LayerNorm _layerNorm2;

    public ClipEncoderLayer(ClipTowerConfig config) : base(nameof(ClipEncoderLayer))
    {
        _selfAttn = new ClipAttention(config.HiddenSize, config.NumAttentionHeads);
        _layerNorm1 = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        _mlp = new ClipMlp(config.HiddenSize, config.IntermediateSize, config.HiddenAct);
        _layerNorm2 = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <param name="x">(B, N, D).</param>
    /// <param name="mask">Additive (N, N) attention mask or null.</param>
    public override Tensor forward(Tensor x, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        var h = x.add(_selfAttn.call(_layerNorm1.call(x), mask), One);
        h = h.add(_mlp.call(_layerNorm2.call(h)), One);
        return h.MoveToOuterDisposeScope();
    }
}
