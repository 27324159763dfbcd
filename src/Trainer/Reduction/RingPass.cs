using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Orchestrator.Trainer.Reduction;

/// <summary>
/// One collective on the ring (Patarasuk and Yuan 2009, "Bandwidth optimal all-reduce algorithms for
/// clusters of workstations"): N - 1 reduce-scatter steps, then N - 1 all-gather steps. At step s rank r
/// sends segment (r - s) mod N to the right and receives segment (r - s - 1) mod N from the left.
/// Segments are cut into pieces; the sender forwards piece j of a segment as soon as the receiver has
/// reduced it, so sending and receiving run at once on two threads (full duplex) and every byte is
/// sent 2(N - 1)/N times in all. While the sender waits it sends keep-alives, so a receiver's timeout
/// only fires at the member that really stopped; that member's failure travels round as an Abort frame.
/// </summary>
internal sealed class RingPass<T> : IDisposable
    where T : unmanaged
{
    private readonly TcpRingAllReduce _owner;
    private readonly RingGeneration _ring;
    private readonly Socket _left;
    private readonly Socket _right;
    private readonly T[] _buffer;
    private readonly RingOperation _operation;
    private readonly RingWireFormat _wire;
    private readonly long _sequence;
    private readonly int _pieceElements;
    private readonly byte[] _receiveScratch;
    private readonly byte[] _sendScratch;
    private readonly TimeSpan _keepAlive;
    private readonly SemaphoreSlim _reduced = new(0);
    private readonly CancellationTokenSource _abort = new();
    private Exception? _failure;

    public RingPass(TcpRingAllReduce owner, Socket left, Socket right, T[] buffer, RingOperation operation, RingWireFormat wire,
        long sequence, byte[] receiveScratch, byte[] sendScratch)
    {
        _owner = owner;
        _ring = owner.Generation;
        _left = left;
        _right = right;
        _buffer = buffer;
        _operation = operation;
        _wire = wire;
        _sequence = sequence;
        _pieceElements = receiveScratch.Length / Marshal.SizeOf<T>();
        _receiveScratch = receiveScratch;
        _sendScratch = sendScratch;
        _keepAlive = owner.Options.Timeout / 4;
    }

    public Exception? Failure => Volatile.Read(ref _failure);

    private int WorldSize => _ring.WorldSize;

    private int Steps => 2 * (WorldSize - 1);

    private int WireElementBytes => _wire == RingWireFormat.Float32 ? Marshal.SizeOf<T>() : sizeof(ushort);

    /// <summary>Records the first failure (later ones are consequences) and wakes the sender so it can pass it on.</summary>
    public void Fail(Exception failure)
    {
        if (Interlocked.CompareExchange(ref _failure, failure, null) is null)
        {
            _abort.Cancel();
        }
    }

    public void Receive()
    {
        try
        {
            var begin = ReadFrame();
            if (begin.Kind != RingFrameKind.Begin || begin.Code != (int)_operation || begin.Sequence != _sequence || begin.Value != _buffer.Length)
            {
                throw Failed($"rank {_ring.Left} ({_ring.Peers[_ring.Left]}) ran a different collective: " +
                    $"call {begin.Sequence} {(RingOperation)begin.Code} of {begin.Value} elements, while rank {_ring.Rank} ran call {_sequence} " +
                    $"{_operation} of {_buffer.Length}. Every rank must run the same collectives in the same order.", _ring.Left);
            }
            for (int step = 0; step < Steps; step++)
            {
                int segment = Mod(_ring.Rank - step - 1);
                bool reducing = step < WorldSize - 1;
                var (start, end) = SegmentBounds(segment);
                for (long at = start; at < end; at += _pieceElements)
                {
                    int count = (int)Math.Min(_pieceElements, end - at);
                    ReceivePiece((int)at, count, reducing);
                    _reduced.Release();
                }
            }
        }
        catch (Exception error)
        {
            Fail(Classify(error, _ring.Left, "waiting for data from"));
        }
    }

    public void Send()
    {
        try
        {
            WriteFrame(new RingFrame(RingFrameKind.Begin, (int)_operation, _sequence, _buffer.Length));
            for (int step = 0; step < Steps; step++)
            {
                int segment = Mod(_ring.Rank - step);
                var (start, end) = SegmentBounds(segment);
                for (long at = start; at < end; at += _pieceElements)
                {
                    int count = (int)Math.Min(_pieceElements, end - at);
                    if (step > 0)
                    {
                        WaitForReducedPiece();
                    }
                    SendPiece((int)at, count, ownsFinalSum: step == WorldSize - 1);
                }
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            PassOnFailure();
        }
        catch (Exception error)
        {
            Fail(Classify(error, _ring.Right, "sending to"));
        }
    }

    public void Dispose()
    {
        _reduced.Dispose();
        _abort.Dispose();
    }

    private void WaitForReducedPiece()
    {
        while (!_reduced.Wait(_keepAlive, _abort.Token))
        {
            WriteFrame(new RingFrame(RingFrameKind.KeepAlive, 0, _sequence, 0));
        }
    }

    private void ReceivePiece(int at, int count, bool reducing)
    {
        var target = _buffer.AsSpan(at, count);
        int wireBytes = count * WireElementBytes;
        var header = ReadFrame();
        if (header.Kind != RingFrameKind.Data || header.Value != wireBytes)
        {
            throw Failed($"rank {_ring.Left} ({_ring.Peers[_ring.Left]}) sent a {header.Kind} frame of {header.Value} bytes where a piece of {wireBytes} bytes belonged", _ring.Left);
        }
        if (!reducing && _wire == RingWireFormat.Float32)
        {
            // All-gather in the native type: the bytes land in the caller's buffer, no copy.
            RingHandshake.ReceiveExactly(_left, MemoryMarshal.AsBytes(target));
            return;
        }
        var scratch = _receiveScratch.AsSpan(0, wireBytes);
        RingHandshake.ReceiveExactly(_left, scratch);
        switch (_operation, _wire, reducing)
        {
            case (RingOperation.SumInt64, _, _):
                RingArithmetic.Add(MemoryMarshal.Cast<T, long>(target), MemoryMarshal.Cast<byte, long>(scratch));
                break;
            case (RingOperation.MaxFloat32, _, _):
                RingArithmetic.Max(MemoryMarshal.Cast<T, float>(target), MemoryMarshal.Cast<byte, float>(scratch));
                break;
            case (_, RingWireFormat.Float32, _):
                RingArithmetic.Add(MemoryMarshal.Cast<T, float>(target), MemoryMarshal.Cast<byte, float>(scratch));
                break;
            case (_, RingWireFormat.BFloat16, true):
                RingArithmetic.AddBFloat16(MemoryMarshal.Cast<T, float>(target), MemoryMarshal.Cast<byte, ushort>(scratch));
                break;
            case (_, RingWireFormat.BFloat16, false):
                RingArithmetic.FromBFloat16(MemoryMarshal.Cast<byte, ushort>(scratch), MemoryMarshal.Cast<T, float>(target));
                break;
            case (_, _, true):
                RingArithmetic.AddHalf(MemoryMarshal.Cast<T, float>(target), MemoryMarshal.Cast<byte, ushort>(scratch));
                break;
            default:
                RingArithmetic.FromHalf(MemoryMarshal.Cast<byte, ushort>(scratch), MemoryMarshal.Cast<T, float>(target));
                break;
        }
    }

    private void SendPiece(int at, int count, bool ownsFinalSum)
    {
        var source = _buffer.AsSpan(at, count);
        int wireBytes = count * WireElementBytes;
        WriteFrame(new RingFrame(RingFrameKind.Data, 0, _sequence, wireBytes));
        if (_wire == RingWireFormat.Float32)
        {
            SendAll(MemoryMarshal.AsBytes(source));
            return;
        }
        var values = MemoryMarshal.Cast<T, float>(source);
        if (ownsFinalSum)
        {
            // The owner keeps exactly what its peers will decode, so every replica ends with the same bits.
            RingArithmetic.RoundTo(_wire, values);
        }
        var encoded = MemoryMarshal.Cast<byte, ushort>(_sendScratch.AsSpan(0, wireBytes));
        if (_wire == RingWireFormat.BFloat16)
            RingArithmetic.ToBFloat16(values, encoded);
        else
            RingArithmetic.ToHalf(values, encoded);
        SendAll(_sendScratch.AsSpan(0, wireBytes));
    }

    private RingFrame ReadFrame()
    {
        Span<byte> header = stackalloc byte[RingFrame.Bytes];
        while (true)
        {
            RingHandshake.ReceiveExactly(_left, header);
            var frame = RingFrame.Read(header);
            if (frame.Kind == RingFrameKind.KeepAlive)
            {
                continue;
            }
            if (frame.Kind == RingFrameKind.Abort)
            {
                throw Propagated(frame);
            }
            return frame;
        }
    }

    private void WriteFrame(RingFrame frame)
    {
        Span<byte> header = stackalloc byte[RingFrame.Bytes];
        frame.Write(header);
        SendAll(header);
    }

    private void SendAll(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[_right.Send(bytes)..];
        }
    }

    /// <summary>Tells the right neighbour which peer failed, unless that neighbour is the failed one; best effort.</summary>
    private void PassOnFailure()
    {
        if (Failure is not CollectiveFailedException failure || failure.PeerRank == _ring.Right)
        {
            return;
        }
        try
        {
            var payload = Encoding.UTF8.GetBytes($"{failure.PeerEndpoint}\n{failure.Message}");
            WriteFrame(new RingFrame(RingFrameKind.Abort, failure is CollectiveTimeoutException ? 1 : 0, failure.PeerRank, payload.Length));
            SendAll(payload);
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException)
        {
            // The right neighbour is gone too; it will learn from its own sockets.
        }
    }

    private CollectiveFailedException Propagated(RingFrame abort)
    {
        var payload = new byte[Math.Clamp(abort.Value, 0, 64 * 1024)];
        RingHandshake.ReceiveExactly(_left, payload);
        string text = Encoding.UTF8.GetString(payload);
        int newline = text.IndexOf('\n', StringComparison.Ordinal);
        string endpoint = newline < 0 ? "" : text[..newline];
        string message = $"{text[(newline + 1)..]} (passed on to rank {_ring.Rank} by rank {_ring.Left})";
        int peer = (int)abort.Sequence;
        return abort.Code == 1
            ? new CollectiveTimeoutException(message, peer, endpoint)
            : new CollectiveFailedException(message, peer, endpoint);
    }

    private CollectiveFailedException Classify(Exception error, int peer, string doing)
    {
        if (error is CollectiveFailedException known)
        {
            return known;
        }
        string endpoint = _ring.Peers[peer];
        string where = $"{_operation} call {_sequence} on rank {_ring.Rank} of generation {_ring.Generation}";
        if (error is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock })
        {
            return new CollectiveTimeoutException(
                $"{where}: rank {peer} ({endpoint}) did not answer within {_owner.Options.Timeout.TotalSeconds:0.###} s ({doing} it)", peer, endpoint, error);
        }
        return new CollectiveFailedException($"{where}: rank {peer} ({endpoint}) failed ({doing} it): {error.Message}", peer, endpoint, error);
    }

    private CollectiveFailedException Failed(string message, int peer) =>
        new($"{_operation} call {_sequence} on rank {_ring.Rank} of generation {_ring.Generation}: {message}", peer, _ring.Peers[peer]);

    // Balanced split: segment g is [g L / N, (g + 1) L / N), so lengths differ by at most one and may be 0.
    private (long Start, long End) SegmentBounds(int segment) =>
        ((long)_buffer.Length * segment / WorldSize, (long)_buffer.Length * (segment + 1) / WorldSize);

    private int Mod(int value) => ((value % WorldSize) + WorldSize) % WorldSize;
}
