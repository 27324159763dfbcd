namespace Orchestrator.Coordinator.Evaluation;

/// <summary>What an evaluator node tells its process: registration, each result, the end of the run.</summary>
public sealed class EvaluatorNodeEvents(Action<object>? evaluated = null)
{
    /// <summary>Set with the run's name when the coordinator took the registration.</summary>
    public TaskCompletionSource<string> Registered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set with the run's name when the coordinator says the run is over.</summary>
    public TaskCompletionSource<string> RunEnded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>An EvaluationCompleted or EvaluationFailed sent to the coordinator.</summary>
    public void Evaluated(object result) => evaluated?.Invoke(result);
}
