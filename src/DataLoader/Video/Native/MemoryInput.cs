using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Orchestrator.DataLoader.Video.Native;

/// <summary>
/// An opened container read from a byte array: an AVIOContext whose read and seek callbacks work on
/// the array (no temporary file; an mp4 with its moov box at the end opens because seeking is a
/// memory move), and the AVFormatContext on top. Disposing frees both and the AVIOContext buffer.
/// </summary>
internal sealed unsafe class MemoryInput : IDisposable
{
    private const int BufferSize = 64 * 1024;
    private const int SeekSet = 0;
    private const int SeekCurrent = 1;
    private const int SeekEnd = 2;

    private readonly byte[] _bytes;
    private readonly LibAvLayout _layout;
    private GCHandle _self;
    private void* _io;
    private void* _format;
    private long _position;

    private MemoryInput(byte[] bytes, LibAvLayout layout)
    {
        _bytes = bytes;
        _layout = layout;
    }

    /// <summary>The AVFormatContext.</summary>
    public void* Format => _format;

    /// <summary>Opens the container in <paramref name="bytes"/>; throws <see cref="VideoRowException"/> when FFmpeg cannot.</summary>
    public static MemoryInput Open(byte[] bytes, LibAvLayout layout)
    {
        var input = new MemoryInput(bytes, layout);
        try
        {
            input.OpenContainer();
            return input;
        }
        catch
        {
            input.Dispose();
            throw;
        }
    }

    /// <summary>AVFormatContext.streams[index].</summary>
    public void* Stream(int index) => ((void**)*(void**)((byte*)_format + _layout.FormatStreams))[index];

    public void Dispose()
    {
        if (_format is not null)
        {
            void* format = _format;
            LibAv.CloseInput(&format);
            _format = null;
        }

        if (_io is not null)
        {
            // FFmpeg may have replaced the buffer it was given, so free the one the context holds now.
            void** buffer = (void**)((byte*)_io + _layout.IoBuffer);
            LibAv.Free(*buffer);
            *buffer = null;
            void* io = _io;
            LibAv.IoContextFree(&io);
            _io = null;
        }

        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }

    private void OpenContainer()
    {
        _self = GCHandle.Alloc(this);
        byte* buffer = (byte*)LibAv.Malloc(BufferSize);
        if (buffer is null)
        {
            throw new OutOfMemoryException("av_malloc of the AVIOContext buffer failed");
        }

        _io = LibAv.IoAllocContext(buffer, BufferSize, 0, (void*)GCHandle.ToIntPtr(_self), &Read, null, &Seek);
        if (_io is null)
        {
            LibAv.Free(buffer);
            throw new OutOfMemoryException("avio_alloc_context failed");
        }

        void* format = LibAv.FormatAllocContext();
        if (format is null)
        {
            throw new OutOfMemoryException("avformat_alloc_context failed");
        }

        *(void**)((byte*)format + _layout.FormatPb) = _io;

        // On failure avformat_open_input frees the context and sets it to null; the AVIOContext stays ours.
        int result = LibAv.OpenInput(&format, null, null, null);
        _format = format;
        if (result < 0)
        {
            throw new VideoRowException(
                result == LibAv.ErrorEndOfFile ? VideoSkipReason.Truncated : VideoSkipReason.NotAVideo,
                $"FFmpeg cannot open the container ({LibAv.Message(result)})");
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Read(void* opaque, byte* destination, int size)
    {
        var input = (MemoryInput)GCHandle.FromIntPtr((nint)opaque).Target!;
        long left = input._bytes.Length - input._position;
        if (left <= 0)
        {
            return LibAv.ErrorEndOfFile;
        }

        int count = (int)Math.Min(size, left);
        input._bytes.AsSpan((int)input._position, count).CopyTo(new Span<byte>(destination, count));
        input._position += count;
        return count;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static long Seek(void* opaque, long offset, int whence)
    {
        var input = (MemoryInput)GCHandle.FromIntPtr((nint)opaque).Target!;
        if ((whence & LibAv.SeekSize) != 0)
        {
            return input._bytes.Length;
        }

        long target = (whence & ~LibAv.SeekForce) switch
        {
            SeekSet => offset,
            SeekCurrent => input._position + offset,
            SeekEnd => input._bytes.Length + offset,
            _ => -1,
        };
        if (target < 0 || target > input._bytes.Length)
        {
            return -22; // AVERROR(EINVAL)
        }

        input._position = target;
        return target;
    }
}
