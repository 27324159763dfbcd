using Akka.Actor;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.Protocol;
using Orchestrator.Core.Safetensors;
using Orchestrator.Trainer.Reduction;
using Orchestrator.Trainer.Replica;

namespace Orchestrator.Trainer.Worker;

// What a trainer worker receives and what it answers. Cluster messages come from the run coordinator
// (another process, possibly); the rest stay inside the trainer node's process.

/// <summary>
/// Join group <paramref name="Generation"/> as <paramref name="Member"/> (local: the node built the reducer).
/// <paramref name="Checkpoint"/>, when set, is the state the group starts from; else rank <paramref name="SourceRank"/>'s.
/// </summary>
public sealed record JoinGroup(long Generation, IAllReduce Member, long CommittedSteps, int SourceRank, LoadedCheckpoint? Checkpoint)
    : INoSerializationVerificationNeeded;

/// <summary>The worker is in the group, holding the state after <paramref name="AppliedSteps"/> steps (local).</summary>
public sealed record GroupJoined(long Generation, int Rank, long AppliedSteps) : INoSerializationVerificationNeeded;

/// <summary>The worker could not join the group (local).</summary>
public sealed record GroupJoinFailed(long Generation, string Reason) : INoSerializationVerificationNeeded;

/// <summary>
/// Run global step <paramref name="Step"/> (0-based) in group <paramref name="Generation"/>, which commits
/// step - 1. <paramref name="TraceParent"/> is the W3C traceparent of the coordinator's step span.
/// </summary>
public sealed record RunStep(long Generation, long Step, string? TraceParent = null) : IClusterMessage;

/// <summary>The worker reduced a step (its update is pending) and consumed the samples <paramref name="Keys"/>.</summary>
public sealed record StepCompleted(long Generation, int Rank, StepOutcome Outcome, IReadOnlyList<string> Keys) : IClusterMessage;

/// <summary>
/// The worker could not finish a step. <paramref name="CollectiveFailure"/>: a peer of the data plane failed
/// or did not answer (the group re-forms); otherwise the run stops with this reason.
/// </summary>
public sealed record StepFailed(long Generation, int Rank, long Step, string Reason, bool CollectiveFailure) : IClusterMessage;

/// <summary>Copy weights, EMA and optimizer state after <paramref name="Step"/> committed steps to host memory (local).</summary>
public sealed record CaptureState(long Step) : INoSerializationVerificationNeeded;

/// <summary>The captured state, by checkpoint file name (local: weights do not ride on Akka messages).</summary>
public sealed record StateCaptured(int Rank, long Step, IReadOnlyDictionary<string, IReadOnlyList<KeyValuePair<string, SafeTensor>>> Files)
    : INoSerializationVerificationNeeded;

/// <summary>The state could not be captured (local).</summary>
public sealed record CaptureFailed(long Step, string Reason) : INoSerializationVerificationNeeded;

/// <summary>The run ended after <paramref name="Steps"/> steps: commit and report a fingerprint of the state.</summary>
public sealed record FinishRun(long Generation, long Steps) : IClusterMessage;

/// <summary>sha256 of a worker's whole state at the end: equal on every replica of a correct run.</summary>
public sealed record ReplicaFinished(int Rank, long Steps, string Fingerprint) : IClusterMessage;
