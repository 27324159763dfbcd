namespace Orchestrator.Core.Protocol;

/// <summary>
/// Marks the messages that may cross nodes. One explicit serializer will own every type marked with
/// it when the run spans processes (the many-processes issue); until then all actors share one
/// process and messages stay in memory.
/// </summary>
public interface IClusterMessage;
