using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Run;

/// <summary>When a run checkpoints and evaluates, counted in completed steps.</summary>
public sealed class RunSchedule(long startStep, long totalSteps, CheckpointSection checkpoint, EvalSection eval)
{
    public long StartStep { get; } = startStep;

    public long TotalSteps { get; } = totalSteps;

    /// <summary>Every checkpoint.every_steps, and always after the last step.</summary>
    public bool CheckpointDue(long completedSteps) =>
        completedSteps == TotalSteps || completedSteps % checkpoint.EverySteps == 0;

    /// <summary>
    /// A saved checkpoint is evaluated when eval.every_steps have passed since the last evaluated one,
    /// and the last checkpoint always is; a spec without eval.prompts evaluates nothing.
    /// </summary>
    public bool EvaluationDue(long checkpointStep, long lastEvaluatedStep) =>
        eval.Prompts.Count > 0
        && (checkpointStep == TotalSteps || (eval.EverySteps > 0 && checkpointStep - lastEvaluatedStep >= eval.EverySteps));
}
