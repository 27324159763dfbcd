namespace Orchestrator.Trainer.Reduction;

/// <summary>
/// The neighbour refused the connection because the two sides were handed different group generations
/// (one of them is stale), or a different rank or world size for the same generation.
/// </summary>
public sealed class StaleRingGenerationException(string message, int peerRank, string peerEndpoint)
    : CollectiveFailedException(message, peerRank, peerEndpoint);
