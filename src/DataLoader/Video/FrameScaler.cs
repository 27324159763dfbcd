using System.Runtime.InteropServices;
using Orchestrator.DataLoader.Video.Native;

namespace Orchestrator.DataLoader.Video;

/// <summary>
/// Turns a decoded AVFrame into Size x Size rgb24: swscale resizes so that the shorter side is Size
/// (bilinear) and converts to rgb24 in one pass, then the centre is cropped, as the process decoder's
/// scale + crop filters do. Holds its SwsContext and buffers across the frames of one clip.
/// </summary>
internal sealed unsafe class FrameScaler(int size) : IDisposable
{
    private readonly byte[] _clip = new byte[size * size * 3];
    private void* _context;
    private byte* _scaled;
    private int _scaledWidth;
    private int _scaledHeight;
    private int _scaledStride;
    private int _sourceWidth;
    private int _sourceHeight;

    /// <summary>The frame as Size x Size rgb24; valid until the next call.</summary>
    public ReadOnlySpan<byte> Convert(void* frame, LibAvLayout layout)
    {
        byte* f = (byte*)frame;
        int width = *(int*)(f + layout.FrameWidth);
        int height = *(int*)(f + layout.FrameHeight);
        int format = *(int*)(f + layout.FrameFormat);
        if (width <= 0 || height <= 0)
        {
            throw new VideoRowException(VideoSkipReason.Undecodable, $"a decoded frame is {width}x{height}");
        }

        if (width != _sourceWidth || height != _sourceHeight)
        {
            Resize(width, height);
        }

        _context = LibAv.ScaleCachedContext(_context, width, height, format, _scaledWidth, _scaledHeight, LibAv.PixelFormatRgb24, LibAv.SwsBilinear, null, null, null);
        if (_context is null)
        {
            throw new VideoRowException(VideoSkipReason.Undecodable, $"swscale cannot convert pixel format {format} at {width}x{height} to rgb24");
        }

        byte** destination = stackalloc byte*[4] { _scaled, null, null, null };
        int* destinationStride = stackalloc int[4] { _scaledStride, 0, 0, 0 };
        int rows = LibAv.Scale(_context, (byte**)(f + layout.FrameData), (int*)(f + layout.FrameLinesize), 0, height, destination, destinationStride);
        if (rows != _scaledHeight)
        {
            throw new VideoRowException(VideoSkipReason.Undecodable, $"swscale wrote {rows} of {_scaledHeight} rows");
        }

        // Centre crop; the offsets round down as FFmpeg's crop filter does.
        int left = (_scaledWidth - size) / 2;
        int top = (_scaledHeight - size) / 2;
        for (int y = 0; y < size; y++)
        {
            new ReadOnlySpan<byte>(_scaled + ((top + y) * (long)_scaledStride) + (left * 3), size * 3).CopyTo(_clip.AsSpan(y * size * 3, size * 3));
        }

        return _clip;
    }

    public void Dispose()
    {
        LibAv.ScaleFreeContext(_context);
        _context = null;
        NativeMemory.AlignedFree(_scaled);
        _scaled = null;
    }

    private void Resize(int width, int height)
    {
        // Shorter side to Size, the longer one rounded (at least Size).
        double scale = (double)size / Math.Min(width, height);
        _scaledWidth = Math.Max(size, (int)Math.Round(width * scale));
        _scaledHeight = Math.Max(size, (int)Math.Round(height * scale));

        // swscale's SIMD paths want 64-byte aligned rows.
        _scaledStride = ((_scaledWidth * 3) + 63) & ~63;
        NativeMemory.AlignedFree(_scaled);
        _scaled = (byte*)NativeMemory.AlignedAlloc((nuint)(_scaledStride * (long)_scaledHeight), 64);
        _sourceWidth = width;
        _sourceHeight = height;
    }
}
