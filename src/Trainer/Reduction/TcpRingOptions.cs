namespace Orchestrator.Trainer.Reduction;

/// <summary>Settings of a <see cref="TcpRingAllReduce"/>: the collective timeout and the transfer tuning.</summary>
public sealed record TcpRingOptions(TimeSpan Timeout)
{
    /// <summary>Bytes of one pipelined piece; a piece is forwarded as soon as it has been received and reduced.</summary>
    public int PieceBytes { get; init; } = 256 * 1024;

    /// <summary>Kernel send and receive buffer of each ring socket (Linux caps it at net.core.wmem_max/rmem_max).</summary>
    public int SocketBufferBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Element type of float sums on the wire.</summary>
    public RingWireFormat WireFormat { get; init; } = RingWireFormat.Float32;

    internal void Validate()
    {
        if (Timeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "the collective timeout must be positive");
        if (PieceBytes < 64 || PieceBytes % 8 != 0)
            throw new ArgumentOutOfRangeException(nameof(PieceBytes), PieceBytes, "PieceBytes must be a multiple of 8, at least 64");
        if (SocketBufferBytes < 4096)
            throw new ArgumentOutOfRangeException(nameof(SocketBufferBytes), SocketBufferBytes, "SocketBufferBytes must be at least 4096");
    }
}
