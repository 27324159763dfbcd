using System.Diagnostics.CodeAnalysis;
using SkiaSharp;

namespace Orchestrator.DataLoader.Decoding;

/// <summary>Image to model input: shorter side resized to S, center crop S x S, float CHW in [-1, 1].</summary>
public static class ImageTransform
{
    // c/127.5 - 1 for every byte c: one load per value instead of a multiply and a subtract.
    private static readonly float[] s_levels = [.. Enumerable.Range(0, 256).Select(c => (c / 127.5f) - 1f)];

    /// <summary>
    /// Resizes <paramref name="image"/> so its shorter side is <paramref name="size"/>, crops the
    /// centre square and returns it as float[3 * size * size] in CHW order (R, G, B planes), each
    /// value c/127.5 - 1. Transparent pixels are composited over white.
    /// </summary>
    public static float[] ToChw(SKBitmap image, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var chw = new float[3 * size * size];
        ToChw(image, size, chw);
        return chw;
    }

    /// <summary>As <see cref="ToChw(SKBitmap, int)"/>, writing the 3 * size * size values into <paramref name="chw"/>.</summary>
    public static void ToChw(SKBitmap image, int size, Span<float> chw)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chw.Length, 3 * size * size, nameof(chw));
        if (image.ColorType != SKColorType.Rgba8888 || image.AlphaType == SKAlphaType.Unpremul)
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
            // Already the right size: the centre crop is a window on the decoded rows, no resampling.
            ToPlanes(image.GetPixelSpan(), image.RowBytes, left, top, size, chw);
            return;
        }

        // Downscaling by 2x or more (a PNG, or a JPEG no k/8 decode scale brings near the target):
        // trilinear over mipmaps, no aliasing. Under 2x (what scale-on-decode leaves): bilinear, which
        // reads the 2x2 neighbours and skips building a mip chain. Upscaling: Mitchell-Netravali cubic
        // (Mitchell and Netravali, 1988), the usual choice for enlarging without ringing.
        SKSamplingOptions sampling = side >= 2 * size
            ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)
            : side > size
                ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None)
                : new SKSamplingOptions(SKCubicResampler.Mitchell);

        // Only the centre square is drawn, straight to S x S. Src blending writes every target pixel
        // (the crop covers it), so the new bitmap needs no clearing; premultiplied alpha is kept and
        // composited over white in ToPlanes.
        using var target = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var pixels = image.PeekPixels())
        using (var source = SKImage.FromPixels(pixels))
        using (var canvas = new SKCanvas(target))
        using (var paint = new SKPaint { BlendMode = SKBlendMode.Src })
        {
            canvas.DrawImage(source, SKRect.Create(left, top, side, side), SKRect.Create(size, size), sampling, paint);
        }

        ToPlanes(target.GetPixelSpan(), target.RowBytes, 0, 0, size, chw);
    }

    /// <summary>Decodes and transforms one image cell; false with the skip reason when the row cannot be used.</summary>
    public static bool TryLoad(byte[]? encoded, int size, [NotNullWhen(true)] out float[]? chw, out RowSkipReason reason)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var values = new float[3 * size * size];
        chw = TryLoad(encoded, size, values, out reason) ? values : null;
        return chw is not null;
    }

    /// <summary>As <see cref="TryLoad(byte[], int, out float[], out RowSkipReason)"/>, writing into <paramref name="chw"/> (3 * size * size values).</summary>
    public static bool TryLoad(byte[]? encoded, int size, Span<float> chw, out RowSkipReason reason)
    {
        if (!ImageDecoder.TryDecodeCentre(encoded, size, out SKBitmap? bitmap, out reason))
        {
            return false;
        }

        using (bitmap)
        {
            ToChw(bitmap, size, chw);
            return true;
        }
    }

    // The size x size window at (left, top) of premultiplied RGBA rows to R, G, B planes. Over white,
    // source-over gives c + 255 * (1 - a/255) = c + 255 - a for a premultiplied channel c (Porter and
    // Duff, 1984), exact in bytes and at most 255 since c <= a; opaque pixels (a = 255) keep c.
    private static void ToPlanes(ReadOnlySpan<byte> pixels, int rowBytes, int left, int top, int size, Span<float> chw)
    {
        int plane = size * size;
        Span<float> red = chw[..plane];
        Span<float> green = chw.Slice(plane, plane);
        Span<float> blue = chw.Slice(2 * plane, plane);
        float[] levels = s_levels;
        for (int y = 0; y < size; y++)
        {
            ReadOnlySpan<byte> row = pixels.Slice(((top + y) * rowBytes) + (left * 4), size * 4);
            int at = y * size;
            for (int x = 0; x < size; x++, at++)
            {
                int p = x * 4;
                int white = 255 - row[p + 3];
                red[at] = levels[row[p] + white];
                green[at] = levels[row[p + 1] + white];
                blue[at] = levels[row[p + 2] + white];
            }
        }
    }
}
