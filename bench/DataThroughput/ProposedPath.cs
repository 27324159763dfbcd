using System.Diagnostics;
using SkiaSharp;
using static TorchSharp.torch;

namespace Orchestrator.Bench.DataThroughput;

/// <summary>
/// A bench-only variant of the loader's path with the changes docs/benchmarks.md proposes for
/// ImageDecoder and ImageTransform, to measure them before src/ takes them: scale on decode whenever a
/// k/8 scale still covers the target (not only from 2x), no canvas clear for opaque images, mipmaps only
/// when the remaining downscale is 2x or more (bilinear below that, as the decode scale leaves at most 2x),
/// no resampling at all when the decoded shorter side already equals S (crop and convert in one pass),
/// and c * (1/127.5) - 1 instead of a division per value. EXIF orientation is left out: the bench's
/// photographs have none, so the loader would not rotate them either.
/// </summary>
internal sealed class ProposedPath(int size) : IImagePath
{
    private const float Scale = 1f / 127.5f;
    private long _decodeTicks;
    private long _transformTicks;
    private long _tensorTicks;

    public TimeSpan Decode => Stopwatch.GetElapsedTime(0, _decodeTicks);

    public TimeSpan Transform => Stopwatch.GetElapsedTime(0, _transformTicks);

    public TimeSpan TensorCopy => Stopwatch.GetElapsedTime(0, _tensorTicks);

    public void ResetStages() => _decodeTicks = _transformTicks = _tensorTicks = 0;

    public void Run(string name, byte[] encoded)
    {
        using var scope = NewDisposeScope();
        long start = Stopwatch.GetTimestamp();
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new InvalidDataException($"{name}: not an image SkiaSharp can open; expected a JPEG.");
        SKSizeI decodeSize = codec.Info.Size;
        for (int eighths = 1; eighths < 8 && Math.Min(codec.Info.Width, codec.Info.Height) > size; eighths++)
        {
            SKSizeI scaled = codec.GetScaledDimensions(eighths / 8f);
            if (Math.Min(scaled.Width, scaled.Height) >= size)
            {
                decodeSize = scaled;
                break;
            }
        }
        bool opaque = codec.Info.AlphaType == SKAlphaType.Opaque;
        var info = new SKImageInfo(decodeSize.Width, decodeSize.Height, SKColorType.Rgba8888, opaque ? SKAlphaType.Opaque : SKAlphaType.Premul);
        using var decoded = new SKBitmap(info);
        if (codec.GetPixels(info, decoded.GetPixels()) != SKCodecResult.Success)
            throw new InvalidDataException($"{name}: SkiaSharp could not decode it; expected a complete JPEG.");
        decoded.SetImmutable();
        long decodedAt = Stopwatch.GetTimestamp();

        float[] chw = Math.Min(decoded.Width, decoded.Height) == size && opaque
            ? CropToChw(decoded)
            : ResizeToChw(decoded, opaque);
        long transformed = Stopwatch.GetTimestamp();
        // [3, S, S], as LoaderPath makes it.
        using Tensor image = tensor(chw, [3, size, size], ScalarType.Float32);
        long end = Stopwatch.GetTimestamp();
        _decodeTicks += decodedAt - start;
        _transformTicks += transformed - decodedAt;
        _tensorTicks += end - transformed;
    }

    private float[] ResizeToChw(SKBitmap image, bool opaque)
    {
        int side = Math.Min(image.Width, image.Height);
        var source = SKRect.Create((image.Width - side) / 2f, (image.Height - side) / 2f, side, side);
        SKSamplingOptions sampling = side > size
            ? new SKSamplingOptions(SKFilterMode.Linear, side >= 2 * size ? SKMipmapMode.Linear : SKMipmapMode.None)
            : new SKSamplingOptions(SKCubicResampler.Mitchell);
        using var target = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(target))
        using (var sourceImage = SKImage.FromBitmap(image))
        {
            if (!opaque)
                canvas.Clear(SKColors.White);
            canvas.DrawImage(sourceImage, source, SKRect.Create(size, size), sampling, null);
        }
        return ToChw(target, 0, 0);
    }

    private float[] CropToChw(SKBitmap image) => ToChw(image, (image.Width - size) / 2, (image.Height - size) / 2);

    // RGBA rows starting at (left, top) to planes R, G, B of c/127.5 - 1.
    private float[] ToChw(SKBitmap image, int left, int top)
    {
        ReadOnlySpan<byte> pixels = image.GetPixelSpan();
        int plane = size * size;
        var chw = new float[3 * plane];
        for (int y = 0; y < size; y++)
        {
            ReadOnlySpan<byte> row = pixels.Slice(((top + y) * image.RowBytes) + (left * 4), size * 4);
            int at = y * size;
            for (int x = 0; x < size; x++, at++)
            {
                chw[at] = (row[x * 4] * Scale) - 1f;
                chw[plane + at] = (row[(x * 4) + 1] * Scale) - 1f;
                chw[(2 * plane) + at] = (row[(x * 4) + 2] * Scale) - 1f;
            }
        }
        return chw;
    }
}
