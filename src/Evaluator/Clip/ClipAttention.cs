using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Clip;

/// <summary>Multi-head self-attention with biased q/k/v/out projections (Hugging Face's CLIPAttention names).</summary>
internal sealed class ClipAttention : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly long _heads;

    [ComponentName(Name = "q_proj")]
    private readonly Linear _qProj;

    [ComponentName(Name = "k_proj")]
    private readonly Linear _kProj;

    [ComponentName(Name = "v_proj")]
    private readonly Linear _vProj;

    [ComponentName(Name = "out_proj")]
    private readonly Linear _outProj;

    public ClipAttention(long width, long heads) : base(nameof(ClipAttention))
    {
        _heads = heads;
        _qProj = nn.Linear(width, width);
        _kProj = nn.Linear(width, width);
        _vProj = nn.Linear(width, width);
        _outProj = nn.Linear(width, width);
        RegisterComponents();
    }

    /// <param name="x">(B, N, D).</param>
    /// <param name="mask">Additive (N, N) mask, -inf where a query may not look; null for none.</param>
    public override Tensor forward(Tensor x, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        var q = SplitHeads(_qProj.call(x));
        var k = SplitHeads(_kProj.call(x));
        var v = SplitHeads(_vProj.call(x));
        var attended = nn.functional.scaled_dot_product_attention(q, k, v, mask);   // (B, h, N, d), scale d^-1/2
        return _outProj.call(attended.transpose(1, 2).flatten(2)).MoveToOuterDisposeScope();
    }

    // (B, N, h * d) -> (B, h, N, d)
    private Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], _heads, -1).transpose(1, 2);
}
