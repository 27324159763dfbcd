using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.Protocol;
using Orchestrator.Core.Safetensors;
using Orchestrator.Trainer.Replica;

namespace Orchestrator.Trainer.Worker;

// What a trainer worker receives from the run coordinator and what it answers.

/// <summary>A worker is built and waits for its first command.</summary>
public sealed record WorkerReady(int Rank, int WorldSize) : IClusterMessage;

/// <summary>
/// Run global step <paramref name="Step"/> (0-based). <paramref name="TraceParent"/> is the W3C
/// traceparent of the coordinator's step span, so that worker spans join the run's trace.
/// </summary>
public sealed record RunStep(long Step, string? TraceParent = null) : IClusterMessage;

/// <summary>The worker finished a step.</summary>
public sealed record StepCompleted(int Rank, StepOutcome Outcome) : IClusterMessage;

/// <summary>The worker could not finish a step; the run stops with this reason.</summary>
public sealed record StepFailed(int Rank, long Step, string Reason) : IClusterMessage;

/// <summary>Copy weights, EMA and optimizer state to host memory for a checkpoint after <paramref name="Step"/> steps.</summary>
public sealed record CaptureState(long Step) : IClusterMessage;

/// <summary>The captured state, by checkpoint file name. Stays in the process: weights travel on the data plane.</summary>
public sealed record StateCaptured(int Rank, long Step, IReadOnlyDictionary<string, IReadOnlyList<KeyValuePair<string, SafeTensor>>> Files);

/// <summary>Load a verified checkpoint before training resumes. Stays in the process.</summary>
public sealed record RestoreState(LoadedCheckpoint Checkpoint);

/// <summary>The worker holds the checkpoint's state.</summary>
public sealed record StateRestored(int Rank, long Step) : IClusterMessage;
