using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static Orchestrator.Models.Numerics.ScalarConstants;
using static TorchSharp.torch;

namespace Orchestrator.Models.Networks;

/// <summary>
/// Timesteps int64 (B) to vectors (B, embeddingDim): the Transformer's sinusoidal position encoding
/// (Vaswani et al., 2017, section 3.5, as used by Ho et al., 2020) followed by a two-layer SiLU MLP.
/// </summary>
internal sealed class TimestepEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly long _sinusoidDim;

    [ComponentName(Name = "linear_1")]
    private readonly Linear _linear1;

    [ComponentName(Name = "linear_2")]
    private readonly Linear _linear2;

    public TimestepEmbedding(long sinusoidDim, long embeddingDim)
        : base(nameof(TimestepEmbedding))
    {
        if (sinusoidDim < 2 || sinusoidDim % 2 != 0)
        {
            throw new ArgumentException($"expected an even sinusoid width of at least 2, got {sinusoidDim}.",
                nameof(sinusoidDim));
        }

        _sinusoidDim = sinusoidDim;
        _linear1 = nn.Linear(sinusoidDim, embeddingDim);
        _linear2 = nn.Linear(embeddingDim, embeddingDim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor t)
    {
        using var scope = NewDisposeScope();
        var h = _linear1.call(Sinusoids(t, _sinusoidDim));
        return _linear2.call(nn.functional.silu(h)).MoveToOuterDisposeScope();
    }

    /// <summary>[cos(t w_i), sin(t w_i)], w_i = 10000^(-i / half) for i &lt; half = dim / 2: float (B, dim).</summary>
    internal static Tensor Sinusoids(Tensor t, long dim)
    {
        using var scope = NewDisposeScope();
        var half = dim / 2;
        using var end = half.ToScalar();
        using var exponentStep = (-Math.Log(10000.0) / half).ToScalar();
        var frequencies = exp(arange(Zero, end, One, float32, t.device) * exponentStep);
        var angles = t.to(float32).unsqueeze(1) * frequencies.unsqueeze(0);
        return cat([cos(angles), sin(angles)], 1).MoveToOuterDisposeScope();
    }
}
