using Orchestrator.Models.Diffusion;
using TorchSharp;
using static Orchestrator.Models.Numerics.ScalarConstants;
using static TorchSharp.torch;

namespace Orchestrator.Models.Sampling;

/// <summary>
/// DDPM's ancestral sampler (Ho et al., 2020, algorithm 2) over every one of the T timesteps: the steps argument
/// is ignored. Each step draws from the posterior q(x_{t-1} | x_t, x0) with x0 predicted from the noise and
/// clipped to [-1, 1], i.e. sigma_t^2 = the posterior variance (1 - abar_{t-1}) / (1 - abar_t) beta_t (eq. 7),
/// and adds no noise at the last step.
/// </summary>
public sealed class DdpmSampler : Sampler
{
    public DdpmSampler(NoiseSchedule schedule)
        : base(schedule)
    {
    }

    internal override IReadOnlyList<int> Timesteps(int steps) =>
        Enumerable.Range(0, Schedule.Timesteps).Reverse().ToArray();

    internal override Tensor Step(Tensor x, Tensor eps, int t, int previous, SampleNoise noise)
    {
        var alphaBar = AlphaBar(t);
        var alphaBarPrevious = AlphaBar(previous);
        var beta = Schedule.Betas[t];
        var x0 = PredictX0(x, eps, t);
        // Posterior mean (eq. 7): coefficients of x0 and x_t.
        using var x0Coefficient = (Math.Sqrt(alphaBarPrevious) * beta / (1 - alphaBar)).ToScalar();
        using var xCoefficient = (Math.Sqrt(Schedule.Alphas[t]) * (1 - alphaBarPrevious) / (1 - alphaBar)).ToScalar();
        var mean = (x0Coefficient * x0).add(xCoefficient * x, One);
        if (previous < 0)
        {
            return mean;
        }

        var variance = (1 - alphaBarPrevious) / (1 - alphaBar) * beta;
        using var deviation = Math.Sqrt(variance).ToScalar();
        return mean.add(deviation * noise.Next(x.device), One);
    }
}
