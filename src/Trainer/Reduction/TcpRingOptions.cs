using System.Numerics;

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

    /// <summary>
    /// Whether a connection whose two ends are on the same host moves its bytes through shared memory
    /// (<see cref="RingTransport.SharedMemory"/>); false keeps every byte on TCP. Both ends must allow it.
    /// </summary>
    public bool SharedMemory { get; init; } = true;

    /// <summary>Size of a shared-memory ring (a power of two; raised to hold two pieces where that is more).</summary>
    public int SharedMemoryBytes { get; init; } = 4 * 1024 * 1024;

    internal void Validate()
    {
        if (Timeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "the collective timeout must be positive");
        if (PieceBytes < 64 || PieceBytes % 8 != 0 || PieceBytes > 256 * 1024 * 1024)
            throw new ArgumentOutOfRangeException(nameof(PieceBytes), PieceBytes, "PieceBytes must be a multiple of 8, from 64 to 256 MiB");
        if (SocketBufferBytes < 4096)
            throw new ArgumentOutOfRangeException(nameof(SocketBufferBytes), SocketBufferBytes, "SocketBufferBytes must be at least 4096");
        if (SharedMemoryBytes < 4096 || !BitOperations.IsPow2(SharedMemoryBytes))
            throw new ArgumentOutOfRangeException(nameof(SharedMemoryBytes), SharedMemoryBytes, "SharedMemoryBytes must be a power of two, at least 4096");
    }
}
