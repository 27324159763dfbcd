using Orchestrator.Models.Diffusion;
using Orchestrator.Models.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Models.Sampling;

/// <summary>
/// Draws samples from a denoiser by running the reverse process from pure noise, with classifier-free guidance.
/// Every sample's noise comes from its own seed, so a sample does not depend on its batch neighbours.
/// </summary>
public abstract class Sampler
{
    // The data range [-1, 1] that samples and predicted x0 are clipped to.
    private static readonly Scalar DataMin = (-1).ToScalar();
    private static readonly Scalar DataMax = 1.ToScalar();

    private protected Sampler(NoiseSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Schedule = schedule;
    }

    private protected NoiseSchedule Schedule { get; }

    /// <summary>Samples x0 in [-1, 1], float (n, C, F, H, W), on the device of the tokens.</summary>
    /// <param name="model">The denoiser (its train/eval mode is left as it is).</param>
    /// <param name="tokens">Captions, int64 (n, L), pad id 0.</param>
    /// <param name="emptyCaption">The tokenizer's empty caption (the unconditional input), at most L tokens.</param>
    /// <param name="seeds">One seed per sample: its initial and per-step noise.</param>
    /// <param name="shape">Shape of one sample.</param>
    /// <param name="guidance">Classifier-free guidance weight w; 1 is no guidance.</param>
    /// <param name="steps">Denoising steps (see each sampler for how it uses them).</param>
    /// <param name="progress">Called after each step with (steps done, steps in all).</param>
    public Tensor Sample(
        DiffusionModel model,
        Tensor tokens,
        long[] emptyCaption,
        long[] seeds,
        (int Channels, int Frames, int Height, int Width) shape,
        double guidance,
        int steps,
        Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(seeds);
        if (tokens.dim() != 2 || tokens.shape[0] != seeds.Length || seeds.Length == 0)
        {
            throw new ArgumentException(
                $"expected tokens of shape ({seeds.Length}, L), one row per seed, got ({string.Join(", ", tokens.shape)}).",
                nameof(tokens));
        }

        if (shape.Channels < 1 || shape.Frames < 1 || shape.Height < 1 || shape.Width < 1)
        {
            throw new ArgumentException($"expected a positive sample shape, got {shape}.", nameof(shape));
        }

        if (!double.IsFinite(guidance))
        {
            throw new ArgumentOutOfRangeException(nameof(guidance), $"expected a finite guidance weight, got {guidance}.");
        }

        var timesteps = Timesteps(steps);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var n = seeds.Length;
        var device = tokens.device;
        var empty = EmptyCaption.Rows(emptyCaption, n, tokens.shape[1], device);
        using var noise = new SampleNoise(seeds, [shape.Channels, shape.Frames, shape.Height, shape.Width]);
        var x = noise.Next(device);
        for (var i = 0; i < timesteps.Count; i++)
        {
            var t = timesteps[i];
            var previous = i + 1 < timesteps.Count ? timesteps[i + 1] : -1;
            using (var stepScope = NewDisposeScope())
            {
                using var timestep = t.ToScalar();
                var t1 = full(n, timestep, int64, device);
                var eps = ClassifierFreeGuidance.PredictNoise(model, x, t1, tokens, empty, guidance);
                var next = Step(x, eps, t, previous, noise).MoveToOuterDisposeScope();
                x.Dispose();
                x = next;
            }

            progress?.Invoke(i + 1, timesteps.Count);
        }

        return x.clamp(DataMin, DataMax).MoveToOuterDisposeScope();
    }

    /// <summary>The timesteps visited, from noisiest to cleanest.</summary>
    internal abstract IReadOnlyList<int> Timesteps(int steps);

    /// <summary>x_previous from x_t and the predicted noise; previous is -1 after the last step (abar = 1).</summary>
    internal abstract Tensor Step(Tensor x, Tensor eps, int t, int previous, SampleNoise noise);

    /// <summary>abar at a timestep, 1 before the first (t = -1).</summary>
    private protected double AlphaBar(int t) => t < 0 ? 1.0 : Schedule.AlphasCumprod[t];

    /// <summary>x0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t) (Ho et al., 2020, eq. 15), clipped to the data range [-1, 1].</summary>
    private protected Tensor PredictX0(Tensor x, Tensor eps, int t)
    {
        var alphaBar = AlphaBar(t);
        using var noiseScale = Math.Sqrt(1 - alphaBar).ToScalar();
        using var signalScale = Math.Sqrt(alphaBar).ToScalar();
        return ((x - (noiseScale * eps)) / signalScale).clamp(DataMin, DataMax);
    }
}
