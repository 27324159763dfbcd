using Orchestrator.Core.RunSpec;

namespace Orchestrator.Trainer.Optimization;

/// <summary>Linear warmup to the base rate over warmup_steps, then constant (Goyal et al., 2017).</summary>
public sealed class LearningRateSchedule(OptimizerSection spec)
{
    /// <summary>Learning rate of the optimizer step that completes global step <paramref name="step"/> (0-based).</summary>
    public double At(long step) =>
        spec.WarmupSteps > 0 && step < spec.WarmupSteps ? spec.Lr * (step + 1) / spec.WarmupSteps : spec.Lr;
}
