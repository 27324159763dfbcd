using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks;

/// <summary>
/// Multi-head scaled dot-product attention (Vaswani et al., 2017) of queries x (B, N, D) over a context
/// (B, M, Dc): self-attention when the context is x, cross-attention when it is the caption.
/// </summary>
internal sealed class Attention : nn.Module<Tensor, Tensor, Tensor?, Tensor>
{
    // Added to the scores of padded keys. Finite, so a row whose keys are all padding averages them instead of
    // becoming NaN.
    private const double PaddedKeyScore = -1e9;

    private readonly long _heads;

    [ComponentName(Name = "to_q")]
    private readonly Linear _toQ;

    [ComponentName(Name = "to_k")]
    private readonly Linear _toK;

    [ComponentName(Name = "to_v")]
    private readonly Linear _toV;

    [ComponentName(Name = "to_out")]
    private readonly Linear _toOut;

    public Attention(long queryDim, long contextDim, long heads)
        : base(nameof(Attention))
    {
        if (heads < 1 || queryDim % heads != 0)
        {
            throw new ArgumentException($"expected a head count that divides the width {queryDim}, got {heads}.",
                nameof(heads));
        }

        _heads = heads;
        _toQ = nn.Linear(queryDim, queryDim, hasBias: false);
        _toK = nn.Linear(contextDim, queryDim, hasBias: false);
        _toV = nn.Linear(contextDim, queryDim, hasBias: false);
        _toOut = nn.Linear(queryDim, queryDim);
        RegisterComponents();
    }

    /// <param name="x">Queries, (B, N, D).</param>
    /// <param name="context">Keys and values, (B, M, Dc).</param>
    /// <param name="keyPadding">True where a key is padding, bool (B, M); null when none is.</param>
    /// <returns>(B, N, D).</returns>
    public override Tensor forward(Tensor x, Tensor context, Tensor? keyPadding)
    {
        using var scope = NewDisposeScope();
        var q = SplitHeads(_toQ.call(x));
        var k = SplitHeads(_toK.call(context));
        var v = SplitHeads(_toV.call(context));
        Tensor? mask = null;
        if (keyPadding is not null)
        {
            // (B, M) -> (B, 1, 1, M): broadcast over heads and queries.
            using var paddedKeyScore = PaddedKeyScore.ToScalar();
            mask = zeros(keyPadding.shape[0], 1, 1, keyPadding.shape[1], q.dtype, q.device)
                .masked_fill(keyPadding.unsqueeze(1).unsqueeze(1), paddedKeyScore);
        }

        // (B, h, N, d) -> (B, N, h * d)
        var attended = nn.functional.scaled_dot_product_attention(q, k, v, mask);
        var merged = attended.transpose(1, 2).flatten(2);
        return _toOut.call(merged).MoveToOuterDisposeScope();
    }

    // (B, N, h * d) -> (B, h, N, d)
    private Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], _heads, -1).transpose(1, 2);
}
