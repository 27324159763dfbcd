namespace Orchestrator.Core.Checkpoints;

/// <summary>No checkpoint (or none that verifies) where one was asked for.</summary>
public sealed class CheckpointNotFoundException(string directory, string message) : Exception(message)
{
    /// <summary>The checkpoint folder or store directory that was searched.</summary>
    public string Directory => directory;
}
