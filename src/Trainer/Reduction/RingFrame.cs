using System.Buffers.Binary;

namespace Orchestrator.Trainer.Reduction;

internal enum RingFrameKind
{
    /// <summary>Opens a collective: Code = operation, Sequence = call number, Value = element count.</summary>
    Begin = 1,

    /// <summary>One piece follows: Value = its byte length.</summary>
    Data = 2,

    /// <summary>The sender is alive but waiting for its own left neighbour; resets the receiver's timeout.</summary>
    KeepAlive = 3,

    /// <summary>The collective failed upstream: Code = 1 for a timeout, Sequence = the peer's rank, Value = byte length of "endpoint\nmessage".</summary>
    Abort = 4,
}

/// <summary>The fixed 24-byte little-endian header in front of every message on a ring connection.</summary>
internal readonly record struct RingFrame(RingFrameKind Kind, int Code, long Sequence, long Value)
{
    public const int Bytes = 24;

    public void Write(Span<byte> header)
    {
        BinaryPrimitives.WriteInt32LittleEndian(header, (int)Kind);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], Code);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], Value);
    }

    public static RingFrame Read(ReadOnlySpan<byte> header) => new(
        (RingFrameKind)BinaryPrimitives.ReadInt32LittleEndian(header),
        BinaryPrimitives.ReadInt32LittleEndian(header[4..]),
        BinaryPrimitives.ReadInt64LittleEndian(header[8..]),
        BinaryPrimitives.ReadInt64LittleEndian(header[16..]));
}
