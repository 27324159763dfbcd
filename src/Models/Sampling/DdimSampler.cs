using Orchestrator.Models.Diffusion;
using TorchSharp;
using static Orchestrator.Models.Numerics.ScalarConstants;
using static TorchSharp.torch;

namespace Orchestrator.Models.Sampling;

/// <summary>
/// DDIM (Song et al., 2021, eq. 12) over an evenly spaced subsequence of the timesteps,
/// tau_i = floor(i T / steps): eta = 0 is deterministic given the initial noise, eta = 1 has DDPM's variance.
/// </summary>
public sealed class DdimSampler : Sampler
{
    private readonly double _eta;

    public DdimSampler(NoiseSchedule schedule, double eta)
        : base(schedule)
    {
        if (!(eta >= 0 && eta <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(eta), $"eval.sampler.eta: expected a value in [0, 1], got {eta}.");
        }

        _eta = eta;
    }

    internal override IReadOnlyList<int> Timesteps(int steps)
    {
        var total = Schedule.Timesteps;
        if (steps < 1 || steps > total)
        {
            throw new ArgumentOutOfRangeException(
                nameof(steps), $"eval.sampler.steps: expected 1 to {total} (diffusion.timesteps) for ddim, got {steps}.");
        }

        return Enumerable.Range(0, steps).Select(i => (int)((long)i * total / steps)).Reverse().ToArray();
    }

    internal override Tensor Step(Tensor x, Tensor eps, int t, int previous, SampleNoise noise)
    {
        var alphaBar = AlphaBar(t);
        var alphaBarPrevious = AlphaBar(previous);
        var x0 = PredictX0(x, eps, t);
        // The direction term must point from the clipped x0 to x_t: with the raw eps, every step whose x0
        // was clipped adds back the clipped-off part as high-frequency noise. Recompute eps from x0
        // (x_t = sqrt(abar) x0 + sqrt(1 - abar) eps), as DDPM's posterior mean implicitly does.
        using var signal = Math.Sqrt(alphaBar).ToScalar();
        using var inverseNoise = (1 / Math.Sqrt(1 - alphaBar)).ToScalar();
        eps = (x - (signal * x0)) * inverseNoise;
        // sigma_t(eta) of eq. 16; 0 at the last step, where abar_previous = 1.
        var sigma = _eta * Math.Sqrt(
            Math.Max(0, (1 - alphaBarPrevious) / (1 - alphaBar) * (1 - (alphaBar / alphaBarPrevious))));
        using var directionScale = Math.Sqrt(Math.Max(0, 1 - alphaBarPrevious - (sigma * sigma))).ToScalar();
        using var x0Scale = Math.Sqrt(alphaBarPrevious).ToScalar();
        var next = (x0Scale * x0).add(directionScale * eps, One);
        if (!(sigma > 0))
        {
            return next;
        }

        using var noiseScale = sigma.ToScalar();
        return next.add(noiseScale * noise.Next(x.device), One);
    }
}
