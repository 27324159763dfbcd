using System.Net.Sockets;

namespace Orchestrator.Trainer.Reduction;

/// <summary>A ring connection whose bytes travel through its non-blocking TCP socket.</summary>
internal sealed class TcpRingChannel : RingChannel
{
    public TcpRingChannel(Socket socket)
        : base(socket)
    {
        socket.Blocking = false;
    }

    public override RingTransport Transport => RingTransport.Tcp;

    public override int Send(ReadOnlySpan<byte> bytes)
    {
        int sent = Socket.Send(bytes, SocketFlags.None, out var error);
        return error switch
        {
            SocketError.Success => sent,
            SocketError.WouldBlock => 0,
            _ => throw new SocketException((int)error),
        };
    }

    public override int Receive(Span<byte> target)
    {
        int read = Socket.Receive(target, SocketFlags.None, out var error);
        return error switch
        {
            SocketError.WouldBlock => 0,
            SocketError.Success when read == 0 => throw new EndOfStreamException("the connection was closed by the other side"),
            SocketError.Success => read,
            _ => throw new SocketException((int)error),
        };
    }

    public override bool PrepareReceiveWait(int wanted, List<Socket> readable, List<Socket> writable)
    {
        readable.Add(Socket);
        return true;
    }

    public override bool PrepareSendWait(List<Socket> readable, List<Socket> writable)
    {
        writable.Add(Socket);
        return true;
    }
}
