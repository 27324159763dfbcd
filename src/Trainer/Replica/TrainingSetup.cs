using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Batching;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.Models.Diffusion;
using Orchestrator.Trainer.Optimization;

namespace Orchestrator.Trainer.Replica;

/// <summary>What every worker of a node shares: the spec, the sample plan, the batch source and the objective.</summary>
public sealed class TrainingSetup(RunSpec spec, SamplePlan plan, BatchSource batches, DiffusionObjective objective)
{
    public RunSpec Spec { get; } = spec;

    public SamplePlan Plan { get; } = plan;

    public BatchSource Batches { get; } = batches;

    public DiffusionObjective Objective { get; } = objective;

    public LearningRateSchedule LearningRate { get; } = new(spec.Train.Optimizer);

    /// <summary>Total optimizer steps of the run: train.steps, or train.epochs whole epochs of the plan.</summary>
    public long TotalSteps => Spec.Train.Steps > 0 ? Spec.Train.Steps : Spec.Train.Epochs * Plan.StepsPerEpoch;
}
