using System.Diagnostics;
using Akka.Actor;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.Protocol;

namespace Orchestrator.Coordinator.Checkpointing;

/// <summary>
/// Write this checkpoint. <paramref name="Parent"/>: the run span. Local: it holds the whole model state, which
/// never rides on Akka (the trainer node hands it to its own checkpointer), so it is not checked for serialization.
/// </summary>
public sealed record SaveCheckpoint(CheckpointContent Content, ActivityContext Parent = default) : INoSerializationVerificationNeeded;

/// <summary>The checkpoint is on disk, verified by its manifest, and `latest` points to it.</summary>
public sealed record CheckpointSaved(long Step, string Directory, double Seconds) : IClusterMessage;

/// <summary>The checkpoint could not be written; earlier checkpoints are untouched.</summary>
public sealed record CheckpointFailed(long Step, string Reason) : IClusterMessage;
