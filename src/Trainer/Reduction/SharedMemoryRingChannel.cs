using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Net.Sockets;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Win32.SafeHandles;

namespace Orchestrator.Trainer.Reduction;

/// <summary>
/// A ring connection between two members on the same host whose bytes travel through a single-producer
/// single-consumer byte ring in shared memory (as NCCL's SHM transport and MPI's shared-memory channels do
/// within a node) instead of through loopback TCP: one copy in and one out, or one add straight out of the
/// ring, where TCP costs two kernel copies plus the TCP stack. The TCP connection stays open: a side that
/// finds the ring empty (receiver) or full (sender) raises its "sleeping" flag and waits in poll(2) on the
/// socket, and the other side sends a 1-byte doorbell only when it sees that flag after moving bytes; a dead
/// peer shows as end-of-stream on the socket, so timeouts and failures work as over TCP.
/// The ring lives in a file in /dev/shm that is unlinked as soon as both sides have mapped it.
/// </summary>
internal sealed unsafe partial class SharedMemoryRingChannel : RingChannel
{
    /// <summary>Bytes before the data: the four counters, each in its own cache line, padded to a page.</summary>
    public const int HeaderBytes = 4096;

    private const string Folder = "/dev/shm";
    private const int HeadAt = 0;
    private const int ReceiverSleepingAt = 64;
    private const int TailAt = 128;
    private const int SenderSleepingAt = 192;
    private static readonly byte[] s_doorbell = [1];
    private static readonly Lazy<byte[]?> s_hostKey = new(ReadHostKey);

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly byte* _data;
    private readonly long _capacity;
    private readonly bool _sending;
    private readonly byte[] _drain = new byte[64];
    private long _head;
    private long _tail;
    private int _closed;
    private bool _peerClosed;
    private long _wanted;

    private SharedMemoryRingChannel(Socket socket, MemoryMappedFile file, long capacity, bool sending)
        : base(socket)
    {
        _file = file;
        _capacity = capacity;
        _sending = sending;
        _view = file.CreateViewAccessor(0, HeaderBytes + capacity, MemoryMappedFileAccess.ReadWrite);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
        _data = _base + HeaderBytes;
        // The socket only carries doorbells now, and must never block the pass.
        socket.Blocking = false;
    }

    public override RingTransport Transport => RingTransport.SharedMemory;

    /// <summary>
    /// Same host, as far as shared memory is concerned: the boot id and the network and mount namespaces
    /// (a container with its own /dev/shm has its own mount namespace). Null where any of them cannot be read.
    /// </summary>
    public static byte[]? HostKey => s_hostKey.Value;

    private ref long Head => ref Unsafe.AsRef<long>(_base + HeadAt);

    private ref long Tail => ref Unsafe.AsRef<long>(_base + TailAt);

    private ref int ReceiverSleeping => ref Unsafe.AsRef<int>(_base + ReceiverSleepingAt);

    private ref int SenderSleeping => ref Unsafe.AsRef<int>(_base + SenderSleepingAt);

    /// <summary>
    /// The connecting (sending) side of the handshake: creates the ring file, tells the other side its name
    /// and waits until it has mapped it; falls back to TCP when the file cannot be made or mapped.
    /// </summary>
    public static RingChannel Offer(Socket socket, long capacity)
    {
        string name = $"orchestrator-ring-{Environment.ProcessId}-{Guid.NewGuid():N}";
        string path = Path.Combine(Folder, name);
        MemoryMappedFile? file = null;
        try
        {
            file = TryCreate(path, HeaderBytes + capacity);
            var text = file is null ? [] : Encoding.ASCII.GetBytes(name);
            var message = new byte[4 + text.Length];
            BinaryPrimitives.WriteInt32LittleEndian(message, text.Length);
            text.CopyTo(message, 4);
            socket.Send(message);
            if (file is null)
            {
                return new TcpRingChannel(socket);
            }
            Span<byte> mapped = stackalloc byte[1];
            RingHandshake.ReceiveExactly(socket, mapped);
            if (mapped[0] != 1)
            {
                file.Dispose();
                return new TcpRingChannel(socket);
            }
            return new SharedMemoryRingChannel(socket, file, capacity, sending: true);
        }
        catch
        {
            file?.Dispose();
            throw;
        }
        finally
        {
            // Both sides have it mapped (or never will): no name stays behind, whatever happens to either process later.
            File.Delete(path);
        }
    }

    /// <summary>The accepting (receiving) side: maps the file the connector named, unlinks it and says whether it worked.</summary>
    public static RingChannel Join(Socket socket, long capacity)
    {
        Span<byte> prefix = stackalloc byte[4];
        RingHandshake.ReceiveExactly(socket, prefix);
        int length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        if (length == 0)
        {
            return new TcpRingChannel(socket);
        }
        if (length is < 0 or > 128)
        {
            throw new InvalidDataException($"the left neighbour named a shared-memory ring of {length} bytes; expected a file name of at most 128");
        }
        var text = new byte[length];
        RingHandshake.ReceiveExactly(socket, text);
        string name = Encoding.ASCII.GetString(text);
        if (!RingFileName().IsMatch(name))
        {
            throw new InvalidDataException($"the left neighbour named the shared-memory ring '{name}'; expected orchestrator-ring-<pid>-<32 hex digits>");
        }
        string path = Path.Combine(Folder, name);
        MemoryMappedFile? file = null;
        try
        {
            file = TryMap(new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete), HeaderBytes + capacity, create: false);
            File.Delete(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            file?.Dispose();
            file = null;
        }
        try
        {
            socket.Send(file is null ? [0] : [1]);
            return file is null ? new TcpRingChannel(socket) : new SharedMemoryRingChannel(socket, file, capacity, sending: false);
        }
        catch
        {
            file?.Dispose();
            throw;
        }
    }

    /// <summary>The ring's size for these options: a power of two holding at least two pieces with their headers.</summary>
    public static long Capacity(TcpRingOptions options) =>
        Math.Max(options.SharedMemoryBytes, (long)BitOperations.RoundUpToPowerOf2((uint)(2 * (options.PieceBytes + RingFrame.Bytes))));

    public override int Send(ReadOnlySpan<byte> bytes)
    {
        ThrowIfClosed();
        long free = _capacity - (_head - Volatile.Read(ref Tail));
        int count = (int)Math.Min(bytes.Length, free);
        if (count == 0)
        {
            return 0;
        }
        int at = (int)(_head & (_capacity - 1));
        int first = (int)Math.Min(count, _capacity - at);
        bytes[..first].CopyTo(new Span<byte>(_data + at, first));
        bytes[first..count].CopyTo(new Span<byte>(_data, count - first));
        _head += count;
        Volatile.Write(ref Head, _head);
        // A locked exchange is a full fence: the new head is visible before the flag is read (the sleeper sets its flag, then reads the head).
        if (Interlocked.Exchange(ref ReceiverSleeping, 0) != 0)
        {
            Ring();
        }
        return count;
    }

    public override int Receive(Span<byte> target)
    {
        ThrowIfClosed();
        int count = (int)Math.Min(target.Length, Volatile.Read(ref Head) - _tail);
        if (count == 0)
        {
            return 0;
        }
        int at = (int)(_tail & (_capacity - 1));
        int first = (int)Math.Min(count, _capacity - at);
        new ReadOnlySpan<byte>(_data + at, first).CopyTo(target);
        new ReadOnlySpan<byte>(_data, count - first).CopyTo(target[first..]);
        Consume(count);
        return count;
    }

    public override bool InPlace(int bytes) => (_tail & (_capacity - 1)) + bytes <= _capacity;

    public override ReadOnlySpan<byte> Peek(int bytes)
    {
        ThrowIfClosed();
        return Volatile.Read(ref Head) - _tail >= bytes ? new ReadOnlySpan<byte>(_data + (_tail & (_capacity - 1)), bytes) : [];
    }

    public override void Consume(int bytes)
    {
        _tail += bytes;
        Volatile.Write(ref Tail, _tail);
        if (Interlocked.Exchange(ref SenderSleeping, 0) != 0)
        {
            Ring();
        }
    }

    public override bool PrepareReceiveWait(int wanted, List<Socket> readable, List<Socket> writable)
    {
        ThrowIfClosed();
        Interlocked.Exchange(ref ReceiverSleeping, 1);
        _wanted = Math.Clamp(wanted, 1, _capacity);
        if (Volatile.Read(ref Head) - _tail >= _wanted)
        {
            Volatile.Write(ref ReceiverSleeping, 0);
            return false;
        }
        if (_peerClosed)
        {
            throw new EndOfStreamException("the connection was closed by the other side");
        }
        readable.Add(Socket);
        return true;
    }

    public override bool PrepareSendWait(List<Socket> readable, List<Socket> writable)
    {
        ThrowIfClosed();
        Interlocked.Exchange(ref SenderSleeping, 1);
        if (_head - Volatile.Read(ref Tail) < _capacity)
        {
            Volatile.Write(ref SenderSleeping, 0);
            return false;
        }
        readable.Add(Socket);
        return true;
    }

    /// <summary>
    /// Lowers this side's flag and reads the doorbells that arrived. The end of the stream means the peer is gone:
    /// a sender fails at once, a receiver once it has read what the peer left in the ring (as TCP delivers what
    /// was sent before a close).
    /// </summary>
    public override void EndWait()
    {
        ThrowIfClosed();
        Volatile.Write(ref _sending ? ref SenderSleeping : ref ReceiverSleeping, 0);
        while (!_peerClosed)
        {
            int read = Socket.Receive(_drain, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
                return;
            if (error != SocketError.Success)
                throw new SocketException((int)error);
            _peerClosed = read == 0;
            if (_peerClosed && (_sending || Volatile.Read(ref Head) - _tail < _wanted))
                throw new EndOfStreamException("the connection was closed by the other side");
        }
    }

    public override void Enter()
    {
        bool added = false;
        _view.SafeMemoryMappedViewHandle.DangerousAddRef(ref added);
    }

    public override void Exit() => _view.SafeMemoryMappedViewHandle.DangerousRelease();

    /// <summary>Closes the socket at once; the mapping goes when the last pass using it has left (<see cref="Enter"/>).</summary>
    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }
        base.Dispose();
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }

    private void ThrowIfClosed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) == 1, this);

    // Errors are left to the waits: a full socket buffer holds doorbells enough, and a peer that is gone shows as end-of-stream there.
    private void Ring() => Socket.Send(s_doorbell, SocketFlags.None, out _);

    private static MemoryMappedFile? TryCreate(string path, long bytes)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }
        try
        {
            // Owner-only: no other user of the host can open it in the moment before it is unlinked.
            var owner = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Share = FileShare.ReadWrite | FileShare.Delete,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            return TryMap(new FileStream(path, owner), bytes, create: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // The mapping owns the stream (views are mapped from its descriptor later); null when an existing file has another size.
    private static MemoryMappedFile? TryMap(FileStream stream, long bytes, bool create)
    {
        try
        {
            if (create)
            {
                stream.SetLength(bytes);
                // A tmpfs file is sparse: a page first written when /dev/shm is full (a container's 64 MiB default) would
                // kill the process with SIGBUS mid-collective. Reserving every page now turns that into a fallback to TCP.
                int error = Reserve(stream.SafeFileHandle, 0, bytes);
                if (error != 0)
                {
                    throw new IOException($"cannot reserve {bytes} bytes in {Folder} (errno {error})");
                }
            }
            else if (stream.Length != bytes)
            {
                stream.Dispose();
                return null;
            }
            return MemoryMappedFile.CreateFromFile(stream, null, bytes, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static byte[]? ReadHostKey()
    {
        try
        {
            if (!Directory.Exists(Folder))
            {
                return null;
            }
            string boot = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            string? network = new FileInfo("/proc/self/ns/net").LinkTarget;
            string? mounts = new FileInfo("/proc/self/ns/mnt").LinkTarget;
            return network is null || mounts is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes($"{boot}|{network}|{mounts}"));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // posix_fallocate(3) returns the error number instead of setting errno.
    [LibraryImport("libc", EntryPoint = "posix_fallocate")]
    private static partial int Reserve(SafeFileHandle file, long offset, long length);

    [GeneratedRegex("^orchestrator-ring-[0-9]+-[0-9a-f]{32}$")]
    private static partial Regex RingFileName();
}
