namespace Orchestrator.Trainer.Reduction;

/// <summary>A collective was abandoned because its group was torn down (a new generation is forming).</summary>
public sealed class CollectiveAbortedException(string message) : Exception(message);
