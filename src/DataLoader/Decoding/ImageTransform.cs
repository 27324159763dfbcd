using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SkiaSharp;

namespace Orchestrator.DataLoader.Decoding;

/// <summary>Image to model input: shorter side resized to S, center crop S x S, float CHW in [-1, 1].</summary>
public static class ImageTransform
{
    /// <summary>
    /// Resizes <paramref name="image"/> so its shorter side is <paramref name="size"/>, crops the
    /// centre square and returns it as float[3 * size * size] in CHW order (R, G, B planes), each
    /// value c/127.5 - 1. Transparent pixels are composited over white. Resizing is a triangle filter
    /// (bilinear, antialiased when shrinking: <see cref="TriangleResize"/>), on the centre square only.
    /// </summary>
    public static float[] ToChw(SKBitmap image, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var chw = new float[3 * size * size];
        ToChw(image, size, chw);
        return chw;
    }

    /// <summary>
    /// As <see cref="ToChw(SKBitmap, int)"/>, writing the 3 * size * size values into <paramref name="chw"/>
    /// (a slot of a batch, or a tensor's own memory while that tensor is alive). <paramref name="image"/>
    /// must be Rgba8888, opaque or premultiplied, as <see cref="ImageDecoder"/> gives it.
    /// </summary>
    public static void ToChw(SKBitmap image, int size, Span<float> chw)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chw.Length, 3 * size * size, nameof(chw));
        if (image.ColorType != SKColorType.Rgba8888 || image.AlphaType is not (SKAlphaType.Opaque or SKAlphaType.Premul))
        {
            throw new ArgumentException(
                $"The image is {image.ColorType} {image.AlphaType}; expected Rgba8888, opaque or premultiplied (as ImageDecoder gives).",
                nameof(image));
        }

        int side = Math.Min(image.Width, image.Height);
        int left = (image.Width - side) / 2;
        int top = (image.Height - side) / 2;
        if (side == size)
        {
            // Already the right size (a JPEG scaled on decode to exactly S): the crop is a window on the rows.
            ToPlanes(image.GetPixelSpan(), image.RowBytes, left, top, size, chw);
            return;
        }

        TriangleResize.ToPlanes(image.GetPixelSpan(), image.RowBytes, left, top, side, size, chw);
    }

    /// <summary>Decodes and transforms one image cell; false with the skip reason when the row cannot be used.</summary>
    public static bool TryLoad(byte[]? encoded, int size, [NotNullWhen(true)] out float[]? chw, out RowSkipReason reason) =>
        TryLoad(encoded, size, ImageDecoder.DefaultMaxPixels, out chw, out reason);

    /// <summary>As the other overload, refusing sources above <paramref name="maxPixels"/> (see <see cref="ImageDecoder"/>).</summary>
    public static bool TryLoad(byte[]? encoded, int size, long maxPixels, [NotNullWhen(true)] out float[]? chw, out RowSkipReason reason)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var values = new float[3 * size * size];
        chw = TryLoad(encoded, size, maxPixels, values, out reason) ? values : null;
        return chw is not null;
    }

    /// <summary>As <see cref="TryLoad(byte[], int, long, out float[], out RowSkipReason)"/>, writing into <paramref name="chw"/> (3 * size * size values).</summary>
    public static bool TryLoad(byte[]? encoded, int size, long maxPixels, Span<float> chw, out RowSkipReason reason)
    {
        if (!ImageDecoder.TryDecode(encoded, size, maxPixels, out SKBitmap? bitmap, out reason))
        {
            return false;
        }

        using (bitmap)
        {
            ToChw(bitmap, size, chw);
            return true;
        }
    }

    // The size x size window at (left, top) of premultiplied RGBA rows to R, G, B planes of
    // (c - 127.5) / 127.5, which is exactly -1 and 1 at c = 0 and 255 (torchvision's ToTensor then
    // Normalize(0.5, 0.5)). Over white, source-over gives c + 255 (1 - a/255) = c + 255 - a for a
    // premultiplied channel c (Porter and Duff, 1984), exact in integers and at most 255 since c <= a;
    // opaque pixels (a = 255) keep c. Eight pixels at a time: an RGBA pixel read as a little-endian
    // uint is R | G << 8 | B << 16 | A << 24.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ToPlanes(ReadOnlySpan<byte> pixels, int rowBytes, int left, int top, int size, Span<float> chw)
    {
        int plane = size * size;
        Span<float> red = chw[..plane];
        Span<float> green = chw.Slice(plane, plane);
        Span<float> blue = chw.Slice(2 * plane, plane);
        var low = Vector256.Create(0xFFu);
        var full = Vector256.Create(255u);
        var half = Vector256.Create(127.5f);
        for (int y = 0; y < size; y++)
        {
            ReadOnlySpan<uint> row = MemoryMarshal.Cast<byte, uint>(pixels.Slice(((top + y) * rowBytes) + (left * 4), size * 4));
            int at = y * size;
            int x = 0;
            for (; x <= size - Vector256<uint>.Count; x += Vector256<uint>.Count)
            {
                Vector256<uint> p = Vector256.Create(row.Slice(x, Vector256<uint>.Count));
                Vector256<uint> white = full - Vector256.ShiftRightLogical(p, 24);
                Vector256<uint> r = (p & low) + white;
                Vector256<uint> g = (Vector256.ShiftRightLogical(p, 8) & low) + white;
                Vector256<uint> b = (Vector256.ShiftRightLogical(p, 16) & low) + white;
                ((Vector256.ConvertToSingle(r.AsInt32()) - half) / half).CopyTo(red.Slice(at + x));
                ((Vector256.ConvertToSingle(g.AsInt32()) - half) / half).CopyTo(green.Slice(at + x));
                ((Vector256.ConvertToSingle(b.AsInt32()) - half) / half).CopyTo(blue.Slice(at + x));
            }

            for (; x < size; x++)
            {
                uint p = row[x];
                uint white = 255 - (p >> 24);
                red[at + x] = (((p & 0xFF) + white) - 127.5f) / 127.5f;
                green[at + x] = ((((p >> 8) & 0xFF) + white) - 127.5f) / 127.5f;
                blue[at + x] = ((((p >> 16) & 0xFF) + white) - 127.5f) / 127.5f;
            }
        }
    }
}
