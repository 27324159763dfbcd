using System.Text;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Grids;

/// <summary>
/// Writes a clip as an animated GIF (GIF89a specification): one global 6x6x6 colour-cube palette, one LZW-compressed
/// image per frame with its delay, and the NETSCAPE2.0 application extension so that viewers loop it forever.
/// </summary>
public static class AnimatedGif
{
    /// <summary>Frame delay the sample writers use: 12 centiseconds, about 8 frames a second.</summary>
    public const int DefaultDelayCentiseconds = 12;

    /// <summary>Largest side a GIF can state (16-bit fields).</summary>
    private const int MaxSide = ushort.MaxValue;

    /// <summary>
    /// Writes one clip (3, F, H, W) with values in [-1, 1], each frame upscaled by <paramref name="scale"/>
    /// (nearest neighbour), shown for <paramref name="delayCentiseconds"/> hundredths of a second.
    /// </summary>
    public static void Write(string path, Tensor clip, int scale, int delayCentiseconds = DefaultDelayCentiseconds)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(clip);
        if (clip.dim() != 4)
        {
            throw new ArgumentException(
                $"Clip has shape [{string.Join(", ", clip.shape)}]; expected (3, F, H, W).", nameof(clip));
        }

        using var scope = NewDisposeScope();
        var frames = SampleGrid.AsFrameStrips(clip.unsqueeze(0))[0];             // (F, H, W, 3) bytes
        var (count, height, width) = ((int)frames.shape[0], (int)frames.shape[1], (int)frames.shape[2]);
        var rgb = frames.contiguous().data<byte>().ToArray();
        var frameBytes = height * width * 3;
        var rgbFrames = Enumerable.Range(0, count).Select(f => Upscale(rgb.AsSpan(f * frameBytes, frameBytes), width, height, scale)).ToList();
        File.WriteAllBytes(path, Encode(rgbFrames, width * scale, height * scale, delayCentiseconds));
    }

    /// <summary>Writes each clip of <paramref name="clips"/> (n, 3, F, H, W) to its own file; returns the paths written.</summary>
    /// <param name="folder">Created if missing.</param>
    /// <param name="prefix">Files are named prefix-0.gif, prefix-1.gif, ...</param>
    /// <param name="clips">(n, 3, F, H, W) in [-1, 1].</param>
    /// <param name="scale">Upscaling factor (nearest neighbour).</param>
    /// <param name="delayCentiseconds">Time each frame is shown.</param>
    public static IReadOnlyList<string> WriteEach(string folder, string prefix, Tensor clips, int scale,
        int delayCentiseconds = DefaultDelayCentiseconds)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.dim() != 5)
        {
            throw new ArgumentException(
                $"Clips have shape [{string.Join(", ", clips.shape)}]; expected (n, 3, F, H, W).", nameof(clips));
        }

        Directory.CreateDirectory(folder);
        var paths = new List<string>();
        for (var i = 0; i < clips.shape[0]; i++)
        {
            var path = Path.Combine(folder, $"{prefix}-{i}.gif");
            using var clip = clips[i];
            Write(path, clip, scale, delayCentiseconds);
            paths.Add(path);
        }

        return paths;
    }

    /// <summary>The GIF file of frames given as packed RGB bytes (height * width * 3 each), looping forever.</summary>
    internal static byte[] Encode(IReadOnlyList<byte[]> rgbFrames, int width, int height, int delayCentiseconds)
    {
        ArgumentNullException.ThrowIfNull(rgbFrames);
        if (rgbFrames.Count == 0)
        {
            throw new ArgumentException("No frames to write; expected at least one.", nameof(rgbFrames));
        }

        if (width < 1 || height < 1 || width > MaxSide || height > MaxSide)
        {
            throw new ArgumentException($"Frame size {width}x{height}; expected sides from 1 to {MaxSide}.", nameof(width));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(delayCentiseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delayCentiseconds, MaxSide);
        using var stream = new MemoryStream();
        using var gif = new BinaryWriter(stream);
        gif.Write(Encoding.ASCII.GetBytes("GIF89a"));
        // Logical screen descriptor: a global table (flag 0x80), 8-bit colour resolution (0x70), 2^(7+1) entries (0x07).
        gif.Write((ushort)width);
        gif.Write((ushort)height);
        gif.Write((byte)0xF7);
        gif.Write((byte)0);                                  // background colour index
        gif.Write((byte)0);                                  // pixel aspect ratio: not given
        gif.Write(ColorCube.Palette);
        // NETSCAPE2.0 application extension: sub-block 1 holds the loop count, 0 = forever.
        gif.Write([0x21, 0xFF, 0x0B]);
        gif.Write(Encoding.ASCII.GetBytes("NETSCAPE2.0"));
        gif.Write([0x03, 0x01, 0x00, 0x00, 0x00]);
        for (var f = 0; f < rgbFrames.Count; f++)
        {
            var rgb = rgbFrames[f];
            if (rgb.Length != width * height * 3)
            {
                throw new ArgumentException(
                    $"Frame {f} has {rgb.Length} bytes; expected {width}x{height}x3 = {width * height * 3}.", nameof(rgbFrames));
            }

            // Graphic control extension: disposal 1 (keep the frame; the next covers it whole), the delay, no transparency.
            gif.Write([0x21, 0xF9, 0x04, 0x04]);
            gif.Write((ushort)delayCentiseconds);
            gif.Write([0x00, 0x00]);
            // Image descriptor: the whole screen, no local table, not interlaced.
            gif.Write((byte)0x2C);
            gif.Write((ushort)0);
            gif.Write((ushort)0);
            gif.Write((ushort)width);
            gif.Write((ushort)height);
            gif.Write((byte)0);
            gif.Write((byte)8);                              // LZW minimum code size: 8-bit indices
            WriteSubBlocks(gif, GifLzw.Compress(ToIndices(rgb), 8));
        }

        gif.Write((byte)0x3B);                               // trailer
        gif.Flush();
        return stream.ToArray();
    }

    private static byte[] ToIndices(byte[] rgb)
    {
        var indices = new byte[rgb.Length / 3];
        for (int p = 0, q = 0; p < indices.Length; p++, q += 3)
        {
            indices[p] = ColorCube.IndexOf(rgb[q], rgb[q + 1], rgb[q + 2]);
        }

        return indices;
    }

    // Image data goes in sub-blocks of at most 255 bytes, each after its length, then an empty block.
    private static void WriteSubBlocks(BinaryWriter gif, byte[] data)
    {
        for (var offset = 0; offset < data.Length; offset += 255)
        {
            var length = Math.Min(255, data.Length - offset);
            gif.Write((byte)length);
            gif.Write(data, offset, length);
        }

        gif.Write((byte)0);
    }

    private static byte[] Upscale(ReadOnlySpan<byte> rgb, int width, int height, int scale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        if (scale == 1)
        {
            return rgb.ToArray();
        }

        var scaledWidth = width * scale;
        var result = new byte[height * scale * scaledWidth * 3];
        for (var y = 0; y < height * scale; y++)
        {
            for (var x = 0; x < scaledWidth; x++)
            {
                rgb.Slice(((y / scale * width) + (x / scale)) * 3, 3).CopyTo(result.AsSpan(((y * scaledWidth) + x) * 3));
            }
        }

        return result;
    }
}
