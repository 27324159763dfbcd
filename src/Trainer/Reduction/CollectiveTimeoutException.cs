namespace Orchestrator.Trainer.Reduction;

/// <summary>A peer sent nothing (no data and no keep-alive) for the whole collective timeout.</summary>
public sealed class CollectiveTimeoutException(string message, int peerRank, string peerEndpoint, Exception? innerException = null)
    : CollectiveFailedException(message, peerRank, peerEndpoint, innerException);
