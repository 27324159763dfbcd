using System.Globalization;

namespace Orchestrator.Trainer.Reduction;

/// <summary>
/// One group generation of the ring, as the coordinator hands it out: the generation number, this
/// member's rank and every member's ring endpoint (host:port) in rank order. Rank i listens on
/// Peers[i], connects to Peers[i + 1] and accepts from Peers[i - 1] (modulo the world size).
/// </summary>
public sealed record RingGeneration(long Generation, int Rank, IReadOnlyList<string> Peers)
{
    public int WorldSize => Peers.Count;

    internal int Right => (Rank + 1) % WorldSize;

    internal int Left => (Rank + WorldSize - 1) % WorldSize;

    internal void Validate()
    {
        if (Generation < 0)
            throw new ArgumentOutOfRangeException(nameof(Generation), Generation, "the generation number must be 0 or more");
        if (Peers is null || Peers.Count == 0)
            throw new ArgumentException("Peers is empty; expected one host:port per rank", nameof(Peers));
        if (Rank < 0 || Rank >= Peers.Count)
            throw new ArgumentOutOfRangeException(nameof(Rank), Rank, $"expected a rank from 0 to {Peers.Count - 1}");
        for (int i = 0; i < Peers.Count; i++)
        {
            _ = ParseEndpoint(Peers[i], i);
        }
    }

    /// <summary>Splits "host:port" (IPv6 hosts in brackets) and checks the port.</summary>
    internal static (string Host, int Port) ParseEndpoint(string? endpoint, int rank)
    {
        int colon = endpoint?.LastIndexOf(':') ?? -1;
        if (endpoint is null
            || colon <= 0
            || !int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            || port is < 1 or > 65535)
        {
            throw new ArgumentException($"Peers[{rank}] is '{endpoint}'; expected host:port with a port from 1 to 65535", nameof(Peers));
        }
        string host = endpoint[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        return (host, port);
    }
}
