using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Cli;

/// <summary>Command-line overrides of a run spec, applied after it was validated.</summary>
public static class SpecOverrides
{
    /// <summary>The spec with train.steps set (and epochs cleared), for `train --steps N`.</summary>
    public static RunSpec WithSteps(this RunSpec spec, int steps) =>
        spec with { Train = spec.Train with { Steps = steps, Epochs = 0 } };
}
