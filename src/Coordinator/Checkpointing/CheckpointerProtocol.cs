using System.Diagnostics;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.Protocol;

namespace Orchestrator.Coordinator.Checkpointing;

/// <summary>Write this checkpoint; it stays in the process (its tensors are already host copies). <paramref name="Parent"/>: the run span.</summary>
public sealed record SaveCheckpoint(CheckpointContent Content, ActivityContext Parent = default);

/// <summary>The checkpoint is on disk, verified by its manifest, and `latest` points to it.</summary>
public sealed record CheckpointSaved(long Step, string Directory, double Seconds) : IClusterMessage;

/// <summary>The checkpoint could not be written; earlier checkpoints are untouched.</summary>
public sealed record CheckpointFailed(long Step, string Reason) : IClusterMessage;
