using Orchestrator.Core.RunSpec;
using Orchestrator.Models.Diffusion;

namespace Orchestrator.Models.Sampling;

/// <summary>Picks the sampler a run spec's eval.sampler section names.</summary>
public static class SamplerFactory
{
    public static Sampler Create(SamplerSection sampler, NoiseSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        return sampler.Kind switch
        {
            "ddim" => new DdimSampler(schedule, sampler.Eta),
            "ddpm" => new DdpmSampler(schedule),
            _ => throw new ArgumentException(
                $"eval.sampler.kind: '{sampler.Kind}' is not a known sampler; expected 'ddim' or 'ddpm'.", nameof(sampler)),
        };
    }
}
