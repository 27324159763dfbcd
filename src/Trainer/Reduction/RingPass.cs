using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Orchestrator.Trainer.Reduction;

/// <summary>
/// One collective on the ring (Patarasuk and Yuan 2009, "Bandwidth optimal all-reduce algorithms for
/// clusters of workstations"): N - 1 reduce-scatter steps, then N - 1 all-gather steps. At step s rank r
/// sends segment (r - s) mod N to the right and receives segment (r - s - 1) mod N from the left.
/// Segments are cut into pieces, and piece j of a segment is forwarded as soon as it has been received
/// and reduced. One thread drives both non-blocking channels (send whenever the right one takes bytes,
/// receive whenever the left one has some), so sending, receiving and adding overlap without handing
/// work between threads, which costs a scheduler wake-up per piece on a busy machine. A shared-memory
/// channel hands received pieces out in place, and they are added straight from there into the buffer.
/// While the sender has nothing ready it sends keep-alives, so a receiver's timeout only fires at the
/// member that really waits on a silent peer; that member's failure travels round as an Abort frame.
/// </summary>
internal sealed class RingPass<T>
    where T : unmanaged
{
    private static readonly TimeSpan s_pollSlice = TimeSpan.FromMilliseconds(50);

    private readonly RingGeneration _ring;
    private readonly TimeSpan _timeout;
    private readonly RingChannel _left;
    private readonly RingChannel _right;
    private readonly T[] _buffer;
    private readonly RingOperation _operation;
    private readonly RingWireFormat _wire;
    private readonly long _sequence;
    private readonly int _pieceElements;
    private readonly byte[] _receiveScratch;
    private readonly byte[] _sendScratch;
    private readonly TimeSpan _keepAlive;
    private readonly byte[] _outHeader = new byte[RingFrame.Bytes];
    private readonly byte[] _inHeader = new byte[RingFrame.Bytes];
    private readonly List<Socket> _readable = new(1);
    private readonly List<Socket> _writable = new(1);
    private Exception? _failure;
    private bool _receiving;

    // Sender: the frame being sent (header, then an optional body in the buffer or the send scratch).
    private Cursor _sendCursor;
    private bool _begun;
    private bool _sendDone;
    private int _outHeaderSent;
    private bool _outBodyInScratch;
    private int _outBodyAt;
    private int _outBodyBytes;
    private int _outBodySent;
    private bool _framePending;

    // Receiver: the frame being read, and how many pieces have been reduced (the sender's licence to forward).
    private Cursor _receiveCursor;
    private bool _receiveDone;
    private bool _beginSeen;
    private int _inHeaderRead;
    private bool _inBody;
    private int _inBodyBytes;
    private int _inBodyRead;
    private bool _inBodyInScratch;
    private long _reducedPieces;
    private long _firstStepPieces;
    private int _wanted = 1;

    public RingPass(TcpRingAllReduce owner, RingChannel left, RingChannel right, T[] buffer, RingOperation operation, RingWireFormat wire,
        long sequence, byte[] receiveScratch, byte[] sendScratch)
    {
        _ring = owner.Generation;
        _timeout = owner.Options.Timeout;
        _left = left;
        _right = right;
        _buffer = buffer;
        _operation = operation;
        _wire = wire;
        _sequence = sequence;
        _pieceElements = receiveScratch.Length / Marshal.SizeOf<T>();
        _receiveScratch = receiveScratch;
        _sendScratch = sendScratch;
        _keepAlive = _timeout / 4;
        _sendCursor = new Cursor(this, _ring.Rank);
        _receiveCursor = new Cursor(this, _ring.Rank - 1);
        var (start, end) = SegmentBounds(_ring.Rank);
        _firstStepPieces = (end - start + _pieceElements - 1) / _pieceElements;
    }

    public Exception? Failure => Volatile.Read(ref _failure);

    private int WorldSize => _ring.WorldSize;

    private int Steps => 2 * (WorldSize - 1);

    private int WireElementBytes => _wire == RingWireFormat.Float32 ? Marshal.SizeOf<T>() : sizeof(ushort);

    /// <summary>Records the first failure; later ones are its consequences.</summary>
    public void Fail(Exception failure) => Interlocked.CompareExchange(ref _failure, failure, null);

    public void Run()
    {
        var clock = Stopwatch.StartNew();
        var lastReceived = clock.Elapsed;
        var lastSent = clock.Elapsed;
        _receiving = true;
        try
        {
            while (!(_sendDone && _receiveDone))
            {
                if (Failure is not null)
                {
                    return;
                }
                bool progressed = false;
                _receiving = false;
                if (!_sendDone && PumpSend(clock.Elapsed - lastSent))
                {
                    lastSent = clock.Elapsed;
                    progressed = true;
                }
                _receiving = true;
                if (!_receiveDone && PumpReceive())
                {
                    lastReceived = clock.Elapsed;
                    progressed = true;
                }
                if (progressed || (_sendDone && _receiveDone))
                {
                    continue;
                }
                if (!_receiveDone && clock.Elapsed - lastReceived > _timeout)
                {
                    throw new SocketException((int)SocketError.TimedOut);
                }
                _receiving = false;
                if (_framePending && clock.Elapsed - lastSent > _timeout)
                {
                    throw new SocketException((int)SocketError.TimedOut);
                }
                Wait(receiving: !_receiveDone, sending: _framePending);
            }
        }
        catch (Exception error)
        {
            Fail(Classify(error, _receiving ? _ring.Left : _ring.Right, _receiving ? "waiting for data from" : "sending to"));
            PassOnFailure();
        }
    }

    // Sends until a frame is complete or the right socket takes no more; true when any byte went out.
    private bool PumpSend(TimeSpan idle)
    {
        bool progressed = false;
        while (true)
        {
            if (!_framePending && !NextFrame(idle))
            {
                return progressed;
            }
            var bytes = _outHeaderSent < RingFrame.Bytes ? _outHeader.AsSpan(_outHeaderSent) : OutBody()[_outBodySent..];
            int sent = _right.Send(bytes);
            if (sent == 0)
            {
                return progressed;
            }
            progressed = true;
            if (_outHeaderSent < RingFrame.Bytes)
                _outHeaderSent += sent;
            else
                _outBodySent += sent;
            if (_outHeaderSent == RingFrame.Bytes && _outBodySent == _outBodyBytes)
            {
                // One frame per turn, then the receiving side gets its turn: the two directions advance in step.
                _framePending = false;
                return true;
            }
        }
    }

    // Prepares the next frame to send, if any: Begin, the next piece once it is reduced, or a keep-alive when idle too long.
    private bool NextFrame(TimeSpan idle)
    {
        RingFrame frame;
        _outBodyBytes = 0;
        if (!_begun)
        {
            _begun = true;
            frame = new RingFrame(RingFrameKind.Begin, (int)_operation, _sequence, _buffer.Length);
        }
        else if (_sendCursor.Done)
        {
            _sendDone = true;
            return false;
        }
        else if (_sendCursor.Step == 0 || _reducedPieces > _sendCursor.Index - _firstStepPieces)
        {
            PrepareBody(_sendCursor.At, _sendCursor.Count, ownsFinalSum: _sendCursor.Step == WorldSize - 1);
            frame = new RingFrame(RingFrameKind.Data, 0, _sequence, _outBodyBytes);
            _sendCursor.Advance();
        }
        else if (idle >= _keepAlive)
        {
            frame = new RingFrame(RingFrameKind.KeepAlive, 0, _sequence, 0);
        }
        else
        {
            return false;
        }
        frame.Write(_outHeader);
        _outHeaderSent = 0;
        _outBodySent = 0;
        _framePending = true;
        return true;
    }

    private void PrepareBody(int at, int count, bool ownsFinalSum)
    {
        _outBodyAt = at;
        _outBodyBytes = count * WireElementBytes;
        _outBodyInScratch = _wire != RingWireFormat.Float32;
        if (!_outBodyInScratch)
        {
            return;
        }
        var values = MemoryMarshal.Cast<T, float>(_buffer.AsSpan(at, count));
        if (ownsFinalSum)
        {
            // The owner keeps exactly what its peers will decode, so every replica ends with the same bits.
            RingArithmetic.RoundTo(_wire, values);
        }
        var encoded = MemoryMarshal.Cast<byte, ushort>(_sendScratch.AsSpan(0, _outBodyBytes));
        if (_wire == RingWireFormat.BFloat16)
            RingArithmetic.ToBFloat16(values, encoded);
        else
            RingArithmetic.ToHalf(values, encoded);
    }

    private Span<byte> OutBody() => _outBodyInScratch
        ? _sendScratch.AsSpan(0, _outBodyBytes)
        : MemoryMarshal.AsBytes(_buffer.AsSpan(_outBodyAt, _outBodyBytes / Marshal.SizeOf<T>()));

    // Reads until a piece is complete or the left channel has nothing more; true when any byte came in.
    private bool PumpReceive()
    {
        bool progressed = false;
        while (!_receiveDone)
        {
            _wanted = 1;
            if (_inBody && _inBodyRead == 0 && _inBodyInScratch && _left.InPlace(_inBodyBytes))
            {
                // The whole piece lies in one stretch of shared memory: combine it from there once it has all arrived.
                var inPlace = _left.Peek(_inBodyBytes);
                if (inPlace.IsEmpty)
                {
                    _wanted = _inBodyBytes;
                    return progressed;
                }
                CompletePiece(inPlace);
                _left.Consume(_inBodyBytes);
                return true;
            }
            var target = _inBody ? InBody()[_inBodyRead..] : _inHeader.AsSpan(_inHeaderRead);
            int read = _left.Receive(target);
            if (read == 0)
            {
                return progressed;
            }
            progressed = true;
            if (_inBody)
            {
                _inBodyRead += read;
                if (_inBodyRead == _inBodyBytes)
                {
                    CompletePiece(_receiveScratch.AsSpan(0, _inBodyBytes));
                    return true;
                }
            }
            else
            {
                _inHeaderRead += read;
                if (_inHeaderRead == RingFrame.Bytes)
                {
                    _inHeaderRead = 0;
                    OnHeader(RingFrame.Read(_inHeader));
                }
            }
        }
        return progressed;
    }

    private void OnHeader(RingFrame frame)
    {
        switch (frame.Kind)
        {
            case RingFrameKind.KeepAlive:
                return;
            case RingFrameKind.Abort:
                throw Propagated(frame);
            case RingFrameKind.Begin when !_beginSeen && frame.Code == (int)_operation && frame.Sequence == _sequence && frame.Value == _buffer.Length:
                _beginSeen = true;
                _receiveDone = _receiveCursor.Done;
                return;
            case RingFrameKind.Begin:
                throw Failed($"rank {_ring.Left} ({_ring.Peers[_ring.Left]}) ran a different collective: " +
                    $"call {frame.Sequence} {(RingOperation)frame.Code} of {frame.Value} elements, while rank {_ring.Rank} ran call {_sequence} " +
                    $"{_operation} of {_buffer.Length}. Every rank must run the same collectives in the same order.", _ring.Left);
        }
        int expected = _receiveCursor.Count * WireElementBytes;
        if (frame.Kind != RingFrameKind.Data || !_beginSeen || frame.Value != expected)
        {
            throw Failed($"rank {_ring.Left} ({_ring.Peers[_ring.Left]}) sent a {frame.Kind} frame of {frame.Value} bytes where a piece of {expected} bytes belonged", _ring.Left);
        }
        _inBody = true;
        _inBodyBytes = expected;
        _inBodyRead = 0;
        // All-gather in the native type: the bytes land in the caller's buffer, no copy.
        _inBodyInScratch = _receiveCursor.Step < WorldSize - 1 || _wire != RingWireFormat.Float32;
    }

    private Span<byte> InBody() => _inBodyInScratch
        ? _receiveScratch.AsSpan(0, _inBodyBytes)
        : MemoryMarshal.AsBytes(_buffer.AsSpan(_receiveCursor.At, _receiveCursor.Count));

    // Combines a received piece (in the receive scratch, or in place in shared memory) into the buffer.
    private void CompletePiece(ReadOnlySpan<byte> scratch)
    {
        bool reducing = _receiveCursor.Step < WorldSize - 1;
        var target = _buffer.AsSpan(_receiveCursor.At, _receiveCursor.Count);
        if (_inBodyInScratch)
        {
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
        _inBody = false;
        _reducedPieces++;
        _receiveCursor.Advance();
        _receiveDone = _receiveCursor.Done;
    }

    // Sleeps in poll(2) until the left channel may have bytes or the right one room, or a slice has passed.
    private void Wait(bool receiving, bool sending)
    {
        _readable.Clear();
        _writable.Clear();
        // Both must prepare (a shared-memory side raises its sleeping flag); a failure found here names the side that found it.
        bool sleep = true;
        if (receiving)
        {
            _receiving = true;
            sleep &= _left.PrepareReceiveWait(_wanted, _readable, _writable);
        }
        if (sending)
        {
            _receiving = false;
            sleep &= _right.PrepareSendWait(_readable, _writable);
        }
        if (sleep && _readable.Count + _writable.Count > 0)
        {
            var slice = _framePending || _sendDone ? s_pollSlice : TimeSpan.FromTicks(Math.Min(s_pollSlice.Ticks, _keepAlive.Ticks));
            Socket.Select(_readable.Count > 0 ? _readable : null, _writable.Count > 0 ? _writable : null, null, slice);
        }
        if (receiving)
        {
            _receiving = true;
            _left.EndWait();
        }
        if (sending)
        {
            _receiving = false;
            _right.EndWait();
        }
    }

    /// <summary>Tells the right neighbour which peer failed, unless that neighbour is the failed one; best effort, bounded by the timeout.</summary>
    private void PassOnFailure()
    {
        if (Failure is not CollectiveFailedException failure || failure.PeerRank == _ring.Right)
        {
            return;
        }
        try
        {
            var clock = Stopwatch.StartNew();
            // Finish the frame in flight so the neighbour reads the Abort as a frame.
            while (_framePending && clock.Elapsed < _timeout)
            {
                if (!PumpSend(TimeSpan.Zero))
                    Wait(receiving: false, sending: true);
            }
            var payload = Encoding.UTF8.GetBytes($"{failure.PeerEndpoint}\n{failure.Message}");
            var message = new byte[RingFrame.Bytes + payload.Length];
            new RingFrame(RingFrameKind.Abort, failure is CollectiveTimeoutException ? 1 : 0, failure.PeerRank, payload.Length).Write(message);
            payload.CopyTo(message, RingFrame.Bytes);
            var rest = message.AsSpan();
            while (!rest.IsEmpty && clock.Elapsed < _timeout)
            {
                int sent = _right.Send(rest);
                if (sent == 0)
                    Wait(receiving: false, sending: true);
                rest = rest[sent..];
            }
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException or EndOfStreamException or CollectiveFailedException)
        {
            // The right neighbour is gone too; it will learn from its own sockets.
        }
    }

    private CollectiveFailedException Propagated(RingFrame abort)
    {
        var payload = new byte[Math.Clamp(abort.Value, 0, 64 * 1024)];
        var clock = Stopwatch.StartNew();
        int read = 0;
        try
        {
            while (read < payload.Length && clock.Elapsed < _timeout)
            {
                _wanted = 1;
                int n = _left.Receive(payload.AsSpan(read));
                if (n == 0)
                    Wait(receiving: true, sending: false);
                read += n;
            }
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException or EndOfStreamException)
        {
            // The upstream member is gone before its message was whole: pass on what arrived.
        }
        string text = Encoding.UTF8.GetString(payload, 0, read);
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
        if (error is SocketException { SocketErrorCode: SocketError.TimedOut })
        {
            return new CollectiveTimeoutException(
                $"{where}: rank {peer} ({endpoint}) did not answer within {_timeout.TotalSeconds:0.###} s ({doing} it)", peer, endpoint, error);
        }
        return new CollectiveFailedException($"{where}: rank {peer} ({endpoint}) failed ({doing} it): {error.Message}", peer, endpoint, error);
    }

    private CollectiveFailedException Failed(string message, int peer) =>
        new($"{_operation} call {_sequence} on rank {_ring.Rank} of generation {_ring.Generation}: {message}", peer, _ring.Peers[peer]);

    // Balanced split: segment g is [g L / N, (g + 1) L / N), so lengths differ by at most one and may be 0.
    private (int Start, int End) SegmentBounds(int segment) =>
        ((int)((long)_buffer.Length * segment / WorldSize), (int)((long)_buffer.Length * (segment + 1) / WorldSize));

    private int Mod(int value) => ((value % WorldSize) + WorldSize) % WorldSize;

    /// <summary>Walks the pieces one side handles: step by step, segment (origin - step) mod N, piece by piece.</summary>
    private struct Cursor
    {
        private readonly RingPass<T> _pass;
        private readonly int _origin;
        private int _end;

        public Cursor(RingPass<T> pass, int origin)
        {
            _pass = pass;
            _origin = origin;
            Step = -1;
            NextStep();
        }

        public int Step { get; private set; }

        public int At { get; private set; }

        public long Index { get; private set; }

        public readonly bool Done => Step >= _pass.Steps;

        public readonly int Count => Math.Min(_pass._pieceElements, _end - At);

        public void Advance()
        {
            Index++;
            At += Count;
            if (At >= _end)
            {
                NextStep();
            }
        }

        // Moves to the next step whose segment has pieces (segments are empty when the buffer is shorter than the world).
        private void NextStep()
        {
            while (++Step < _pass.Steps)
            {
                var (start, end) = _pass.SegmentBounds(_pass.Mod(_origin - Step));
                if (end > start)
                {
                    At = start;
                    _end = end;
                    return;
                }
            }
        }
    }
}
