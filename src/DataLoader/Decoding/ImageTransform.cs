using System.Diagnostics.CodeAnalysis;
using SkiaSharp;

namespace Orchestrator.DataLoader.Decoding;

/// <summary>Image to model input: shorter side resized to S, center crop S x S, float CHW in [-1, 1].</summary>
public static class ImageTransform
{
    /// <summary>
    /// Resizes <paramref name="image"/> so its shorter side is <paramref name="size"/>, crops the
    /// centre square and returns it as float[3 * size * size] in CHW order (R, G, B planes), each
    /// value c/127.5 - 1. Transparent pixels are composited over white.
    /// </summary>
    public static float[] ToChw(SKBitmap image, int size)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        int side = Math.Min(image.Width, image.Height);
        var source = SKRect.Create((image.Width - side) / 2f, (image.Height - side) / 2f, side, side);

        // Downscaling: trilinear over mipmaps (no aliasing); upscaling: Mitchell-Netravali cubic
        // (Mitchell and Netravali, 1988), the usual choice for enlarging without ringing.
        SKSamplingOptions sampling = side > size
            ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)
            : new SKSamplingOptions(SKCubicResampler.Mitchell);

        using var target = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(target))
        using (var sourceImage = SKImage.FromBitmap(image))
        {
            canvas.Clear(SKColors.White);
            canvas.DrawImage(sourceImage, source, SKRect.Create(size, size), sampling, null);
        }

        ReadOnlySpan<byte> pixels = target.GetPixelSpan();
        int rowBytes = target.RowBytes;
        int plane = size * size;
        var chw = new float[3 * plane];
        for (int y = 0; y < size; y++)
        {
            ReadOnlySpan<byte> row = pixels.Slice(y * rowBytes, size * 4);
            for (int x = 0; x < size; x++)
            {
                int at = (y * size) + x;
                chw[at] = (row[x * 4] / 127.5f) - 1f;
                chw[plane + at] = (row[(x * 4) + 1] / 127.5f) - 1f;
                chw[(2 * plane) + at] = (row[(x * 4) + 2] / 127.5f) - 1f;
            }
        }

        return chw;
    }

    /// <summary>Decodes and transforms one image cell; false with the skip reason when the row cannot be used.</summary>
    public static bool TryLoad(byte[]? encoded, int size, [NotNullWhen(true)] out float[]? chw, out RowSkipReason reason)
    {
        chw = null;
        if (!ImageDecoder.TryDecode(encoded, size, out SKBitmap? bitmap, out reason))
        {
            return false;
        }

        using (bitmap)
        {
            chw = ToChw(bitmap, size);
            return true;
        }
    }
}
