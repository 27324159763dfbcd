namespace Orchestrator.Trainer.Reduction;

/// <summary>
/// A collective was abandoned because a peer failed: its socket closed or reset, it refused the
/// connection, or it ran a different collective. Names the peer so the log says who to look at;
/// the ring that threw is unusable afterwards and the group must be re-formed (a new generation).
/// </summary>
public class CollectiveFailedException : Exception
{
    public CollectiveFailedException(string message, int peerRank, string peerEndpoint, Exception? innerException = null)
        : base(message, innerException)
    {
        PeerRank = peerRank;
        PeerEndpoint = peerEndpoint;
    }

    /// <summary>Rank, in the generation that failed, of the peer that did not answer.</summary>
    public int PeerRank { get; }

    /// <summary>That peer's endpoint, host:port.</summary>
    public string PeerEndpoint { get; }
}
