using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Orchestrator.Trainer.Reduction;

/// <summary>
/// Connection set-up of one generation. The connecting side sends "RING", generation, its rank and
/// the world size; the accepting side answers with a status and a reason. A connection from an older
/// generation is refused for good (the connector is stale); one from a newer generation is refused
/// with "listener behind", and the connector retries until its timeout while this side catches up.
/// The hello also says whether the connector may use shared memory and which host it is on; when both ends
/// allow it and share the host, the reply says so and the connection's bytes go through shared memory
/// (<see cref="SharedMemoryRingChannel"/>), set up over the same socket.
/// </summary>
internal static class RingHandshake
{
    private const uint Magic = 0x474E4952;
    private const int KeyBytes = 32;
    private const int HelloBytes = 24 + KeyBytes;
    private const int ReplyBytes = 20;
    private static readonly TimeSpan s_pollSlice = TimeSpan.FromMilliseconds(20);

    private enum Status
    {
        Accepted = 0,
        StaleConnector = 1,
        ListenerBehind = 2,
        Mismatch = 3,
    }

    /// <summary>Connects to the right neighbour; throws when refused, or when <paramref name="stop"/> fires.</summary>
    public static RingChannel ConnectRight(RingGeneration ring, TcpRingOptions options, CancellationToken stop)
    {
        int right = ring.Right;
        string endpoint = ring.Peers[right];
        var (host, port) = RingGeneration.ParseEndpoint(endpoint, right);
        Span<byte> hello = stackalloc byte[HelloBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(hello, Magic);
        BinaryPrimitives.WriteInt64LittleEndian(hello[4..], ring.Generation);
        BinaryPrimitives.WriteInt32LittleEndian(hello[12..], ring.Rank);
        BinaryPrimitives.WriteInt32LittleEndian(hello[16..], ring.WorldSize);
        var key = options.SharedMemory ? SharedMemoryRingChannel.HostKey : null;
        BinaryPrimitives.WriteInt32LittleEndian(hello[20..], key is null ? 0 : 1);
        key?.CopyTo(hello[24..]);
        Span<byte> reply = stackalloc byte[ReplyBytes];
        while (true)
        {
            stop.ThrowIfCancellationRequested();
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                Configure(socket, options);
                using (stop.Register(socket.Dispose))
                {
                    socket.Connect(host, port);
                    socket.Send(hello);
                    ReceiveExactly(socket, reply);
                    var status = (Status)BinaryPrimitives.ReadInt32LittleEndian(reply);
                    int reasonBytes = BinaryPrimitives.ReadInt32LittleEndian(reply[12..]);
                    var reason = new byte[Math.Clamp(reasonBytes, 0, 4096)];
                    ReceiveExactly(socket, reason);
                    string why = Encoding.UTF8.GetString(reason);
                    switch (status)
                    {
                        case Status.Accepted when (RingTransport)BinaryPrimitives.ReadInt32LittleEndian(reply[16..]) == RingTransport.SharedMemory:
                            return SharedMemoryRingChannel.Offer(socket, SharedMemoryRingChannel.Capacity(options));
                        case Status.Accepted:
                            return new TcpRingChannel(socket);
                        case Status.ListenerBehind:
                            socket.Dispose();
                            stop.WaitHandle.WaitOne(s_pollSlice);
                            continue;
                        case Status.StaleConnector:
                            throw new StaleRingGenerationException($"rank {ring.Rank} of generation {ring.Generation}: {why}", right, endpoint);
                        default:
                            throw new StaleRingGenerationException($"rank {ring.Rank} of generation {ring.Generation}: rank {right} ({endpoint}) refused the connection: {why}", right, endpoint);
                    }
                }
            }
            catch (Exception error) when (error is SocketException or ObjectDisposedException or EndOfStreamException)
            {
                // Not listening yet, or gone between the connect and the reply: retry until the timeout.
                socket.Dispose();
                stop.ThrowIfCancellationRequested();
                stop.WaitHandle.WaitOne(s_pollSlice);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    /// <summary>Accepts the left neighbour of this generation, refusing (and answering) every other caller.</summary>
    public static RingChannel AcceptLeft(RingListener listener, RingGeneration ring, TcpRingOptions options, CancellationToken stop)
    {
        Span<byte> hello = stackalloc byte[HelloBytes];
        while (true)
        {
            stop.ThrowIfCancellationRequested();
            var socket = listener.Accept(s_pollSlice);
            if (socket is null)
            {
                continue;
            }
            try
            {
                Configure(socket, options);
                using (stop.Register(socket.Dispose))
                {
                    ReceiveExactly(socket, hello);
                    var (status, reason) = Judge(ring, hello);
                    var transport = status == Status.Accepted && SameHost(options, hello) ? RingTransport.SharedMemory : RingTransport.Tcp;
                    Reply(socket, status, ring.Generation, reason, transport);
                    if (status == Status.Accepted)
                    {
                        return transport == RingTransport.SharedMemory
                            ? SharedMemoryRingChannel.Join(socket, SharedMemoryRingChannel.Capacity(options))
                            : new TcpRingChannel(socket);
                    }
                }
                socket.Dispose();
            }
            catch (Exception error) when (error is SocketException or ObjectDisposedException or EndOfStreamException)
            {
                // A caller that hung up or sent garbage slowly is dropped; keep waiting for the real left neighbour.
                socket.Dispose();
            }
        }
    }

    private static (Status Status, string Reason) Judge(RingGeneration ring, ReadOnlySpan<byte> hello)
    {
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(hello);
        long generation = BinaryPrimitives.ReadInt64LittleEndian(hello[4..]);
        int rank = BinaryPrimitives.ReadInt32LittleEndian(hello[12..]);
        int world = BinaryPrimitives.ReadInt32LittleEndian(hello[16..]);
        string listener = $"rank {ring.Rank} ({ring.Peers[ring.Rank]})";
        if (magic != Magic)
            return (Status.Mismatch, "not a ring connection (bad magic number)");
        if (generation < ring.Generation)
            return (Status.StaleConnector, $"connection from stale generation {generation} refused by {listener}, which is at generation {ring.Generation}; re-join the group");
        if (generation > ring.Generation)
            return (Status.ListenerBehind, $"{listener} is still at generation {ring.Generation}");
        if (world != ring.WorldSize || rank != ring.Left)
            return (Status.Mismatch, $"generation {generation}: caller says rank {rank} of {world}, expected rank {ring.Left} of {ring.WorldSize}");
        return (Status.Accepted, "");
    }

    // Both ends allow shared memory and are on the same host (boot, network and mount namespaces).
    private static bool SameHost(TcpRingOptions options, ReadOnlySpan<byte> hello) =>
        options.SharedMemory && SharedMemoryRingChannel.HostKey is { } key
        && BinaryPrimitives.ReadInt32LittleEndian(hello[20..]) == 1 && hello.Slice(24, KeyBytes).SequenceEqual(key);

    private static void Reply(Socket socket, Status status, long generation, string reason, RingTransport transport)
    {
        var text = Encoding.UTF8.GetBytes(reason);
        var reply = new byte[ReplyBytes + text.Length];
        BinaryPrimitives.WriteInt32LittleEndian(reply, (int)status);
        BinaryPrimitives.WriteInt64LittleEndian(reply.AsSpan(4), generation);
        BinaryPrimitives.WriteInt32LittleEndian(reply.AsSpan(12), text.Length);
        BinaryPrimitives.WriteInt32LittleEndian(reply.AsSpan(16), (int)transport);
        text.CopyTo(reply, ReplyBytes);
        socket.Send(reply);
    }

    private static void Configure(Socket socket, TcpRingOptions options)
    {
        socket.NoDelay = true;
        socket.SendBufferSize = options.SocketBufferBytes;
        socket.ReceiveBufferSize = options.SocketBufferBytes;
        int milliseconds = (int)Math.Min(int.MaxValue, Math.Ceiling(options.Timeout.TotalMilliseconds));
        socket.SendTimeout = milliseconds;
        socket.ReceiveTimeout = milliseconds;
    }

    internal static void ReceiveExactly(Socket socket, Span<byte> target)
    {
        while (!target.IsEmpty)
        {
            int read = socket.Receive(target);
            if (read == 0)
            {
                throw new EndOfStreamException("the connection was closed by the other side");
            }
            target = target[read..];
        }
    }
}
