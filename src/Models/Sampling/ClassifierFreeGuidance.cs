using Orchestrator.Models.Networks;
using TorchSharp;
using static Orchestrator.Models.Numerics.ScalarConstants;
using static TorchSharp.torch;

namespace Orchestrator.Models.Sampling;

/// <summary>
/// Classifier-free guidance (Ho and Salimans, 2022, eq. 6, written with w = 1 + their w):
/// eps = eps(x, empty) + w (eps(x, caption) - eps(x, empty)).
/// </summary>
internal static class ClassifierFreeGuidance
{
    /// <summary>The guided noise prediction, (n, C, F, H, W).</summary>
    /// <param name="model">The denoiser.</param>
    /// <param name="x">Noisy samples, (n, C, F, H, W).</param>
    /// <param name="t">Timesteps, int64 (n).</param>
    /// <param name="tokens">Captions, int64 (n, L).</param>
    /// <param name="emptyTokens">The empty caption in every row, int64 (n, L).</param>
    /// <param name="guidance">w: 1 is the conditional prediction alone, 0 the unconditional one.</param>
    public static Tensor PredictNoise(
        DiffusionModel model, Tensor x, Tensor t, Tensor tokens, Tensor emptyTokens, double guidance)
    {
        if (guidance == 1.0)
        {
            // Exactly the conditional prediction, at half the cost.
            return model.call(x, t, tokens);
        }

        using var scope = NewDisposeScope();
        // Both predictions in one batched forward: rows [0, n) unconditional, [n, 2n) conditional.
        var both = model.call(cat([x, x]), cat([t, t]), cat([emptyTokens, tokens]));
        var halves = both.chunk(2);
        var (unconditional, conditional) = (halves[0], halves[1]);
        using var weight = guidance.ToScalar();
        return unconditional.add(weight * (conditional - unconditional), One).MoveToOuterDisposeScope();
    }
}
