using System.Net.Sockets;

namespace Orchestrator.Trainer.Reduction;

/// <summary>
/// The byte channel of one ring connection as <see cref="RingPass{T}"/> drives it: non-blocking sends and
/// receives, and a wait in poll(2) on the connection's socket when neither can move. The frame protocol on
/// top is the same for every transport; only where the bytes go differs.
/// </summary>
internal abstract class RingChannel : IDisposable
{
    protected RingChannel(Socket socket)
    {
        Socket = socket;
    }

    /// <summary>The TCP connection to the neighbour: the data path for TCP, the wake-up and liveness path for shared memory.</summary>
    public Socket Socket { get; }

    public abstract RingTransport Transport { get; }

    /// <summary>Sends what fits now; 0 when nothing does. Throws when the connection failed.</summary>
    public abstract int Send(ReadOnlySpan<byte> bytes);

    /// <summary>Receives what has arrived; 0 when nothing has. Throws <see cref="EndOfStreamException"/> when the other side closed.</summary>
    public abstract int Receive(Span<byte> target);

    /// <summary>True when the next <paramref name="bytes"/> bytes will lie in one stretch of memory that <see cref="Peek"/> can hand out.</summary>
    public virtual bool InPlace(int bytes) => false;

    /// <summary>The next <paramref name="bytes"/> bytes where they lie, once all have arrived (else empty); <see cref="Consume"/> releases them.</summary>
    public virtual ReadOnlySpan<byte> Peek(int bytes) => throw new NotSupportedException($"{Transport} has no bytes in place");

    public virtual void Consume(int bytes) => throw new NotSupportedException($"{Transport} has no bytes in place");

    /// <summary>
    /// Before a wait for <paramref name="wanted"/> more bytes to receive: adds the socket to poll, or returns
    /// false when the bytes are already there (no wait needed).
    /// </summary>
    public abstract bool PrepareReceiveWait(int wanted, List<Socket> readable, List<Socket> writable);

    /// <summary>Before a wait for room to send: adds the socket to poll, or returns false when there is room already.</summary>
    public abstract bool PrepareSendWait(List<Socket> readable, List<Socket> writable);

    /// <summary>After a wait; throws when the wait found the connection closed or failed.</summary>
    public virtual void EndWait()
    {
    }

    /// <summary>Keeps the channel's memory alive while a pass runs on it, even if <see cref="Dispose"/> comes meanwhile.</summary>
    public virtual void Enter()
    {
    }

    public virtual void Exit()
    {
    }

    /// <summary>Closes the connection at once: a pass using it fails at its next operation, and so does the neighbour.</summary>
    public virtual void Dispose()
    {
        try
        {
            Socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException)
        {
            // Already closed or reset: nothing left to shut.
        }
        Socket.Dispose();
    }
}
