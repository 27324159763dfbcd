using System.Diagnostics.CodeAnalysis;
using SkiaSharp;

namespace Orchestrator.DataLoader.Decoding;

/// <summary>
/// Decodes JPEG and PNG bytes with SkiaSharp's SKCodec into an upright bitmap, scaled on decode
/// when the source is larger than needed; says why a row cannot be used instead of throwing.
/// </summary>
/// <remarks>
/// SkiaSharp (MIT, libjpeg-turbo inside) rather than ImageSharp: ImageSharp 4.x needs a paid
/// licence file to build in Release and 2.x cannot scale on decode, which makes decoding a 2-4
/// times larger JPEG to a small training size several times slower (docs/data-loader.md).
/// SKCodec reports the EXIF orientation without applying it, so it is applied here.
/// Every native object (SKData, SKCodec, SKBitmap) is created and disposed on the calling thread
/// within one call; the bitmap handed out owns its pixels.
/// </remarks>
public static class ImageDecoder
{
    /// <summary>Images whose shorter side is below this many pixels are skipped as too small.</summary>
    public const int MinimumSide = 8;

    /// <summary>
    /// The default largest width x height accepted (64 Mi pixels, 256 MiB as RGBA): a header claiming
    /// more is refused before any pixel is decoded, so a decompression bomb cannot exhaust memory.
    /// </summary>
    public const long DefaultMaxPixels = 64L * 1024 * 1024;

    /// <summary>
    /// Decodes <paramref name="encoded"/> to an upright RGBA bitmap whose shorter side is at least
    /// <paramref name="targetSide"/> (or the source's, when smaller), refusing sources above
    /// <see cref="DefaultMaxPixels"/>.
    /// </summary>
    public static bool TryDecode(
        byte[]? encoded, int targetSide, [NotNullWhen(true)] out SKBitmap? bitmap, out RowSkipReason reason) =>
        TryDecode(encoded, targetSide, DefaultMaxPixels, out bitmap, out reason);

    /// <summary>
    /// Decodes <paramref name="encoded"/> to an upright RGBA bitmap whose shorter side is at least
    /// <paramref name="targetSide"/> (or the source's, when smaller). JPEG is scaled on decode by the
    /// smallest k/8 that still covers the target. Opaque sources (JPEG) decode as opaque, others as
    /// premultiplied alpha. A source whose header gives more than <paramref name="maxPixels"/> pixels
    /// is refused (<see cref="RowSkipReason.ImageTooLarge"/>) before decoding.
    /// </summary>
    public static bool TryDecode(
        byte[]? encoded, int targetSide, long maxPixels, [NotNullWhen(true)] out SKBitmap? bitmap, out RowSkipReason reason)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targetSide, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPixels, 1);
        bitmap = null;
        reason = default;
        if (encoded is null || encoded.Length == 0)
        {
            reason = RowSkipReason.MissingImage;
            return false;
        }

        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data);
        if (codec is null)
        {
            reason = RowSkipReason.Undecodable;
            return false;
        }

        // SKCodec.Create reads only the header: the size is known before any pixel is decoded.
        SKSizeI size = codec.Info.Size;
        if ((long)size.Width * size.Height > maxPixels)
        {
            reason = RowSkipReason.ImageTooLarge;
            return false;
        }

        int shorter = Math.Min(size.Width, size.Height);
        if (shorter < MinimumSide)
        {
            reason = RowSkipReason.ImageTooSmall;
            return false;
        }

        SKSizeI decodeSize = shorter > targetSide ? ScaledSize(codec, targetSide) : size;
        SKAlphaType alpha = codec.Info.AlphaType == SKAlphaType.Opaque ? SKAlphaType.Opaque : SKAlphaType.Premul;
        var info = new SKImageInfo(decodeSize.Width, decodeSize.Height, SKColorType.Rgba8888, alpha);
        var decoded = new SKBitmap(info);
        SKCodecResult result = codec.GetPixels(info, decoded.GetPixels());
        if (result != SKCodecResult.Success)
        {
            decoded.Dispose();
            reason = result == SKCodecResult.IncompleteInput || (codec.EncodedFormat == SKEncodedImageFormat.Jpeg && !EndsWithEoi(encoded))
                ? RowSkipReason.TruncatedImage
                : RowSkipReason.Undecodable;
            return false;
        }

        bitmap = Upright(decoded, codec.EncodedOrigin);
        return true;
    }

    // SKCodec reports a cut progressive JPEG as invalid input, not incomplete: a JPEG whose last
    // bytes are not the end-of-image marker (FF D9, ITU-T T.81 B.2.1) was cut.
    private static bool EndsWithEoi(byte[] encoded) =>
        encoded.Length >= 2 && encoded[^2] == 0xFF && encoded[^1] == 0xD9;

    // libjpeg-turbo decodes at k/8 scales (the inverse DCT scaled, cheaper than decoding full size and
    // resizing); GetScaledDimensions rounds a requested scale down to one it supports and gives the
    // full size for formats that cannot scale, so try them from the smallest and keep the first that
    // still covers the target.
    private static SKSizeI ScaledSize(SKCodec codec, int targetSide)
    {
        for (int eighths = 1; eighths < 8; eighths++)
        {
            SKSizeI scaled = codec.GetScaledDimensions(eighths / 8f);
            if (Math.Min(scaled.Width, scaled.Height) >= targetSide)
            {
                return scaled;
            }
        }

        return codec.Info.Size;
    }

    // EXIF orientation (CIPA DC-008, tag 0x0112): the transform that turns the stored pixels into
    // the displayed image, as an affine map from stored (x, y) of a w x h image.
    private static SKBitmap Upright(SKBitmap stored, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft)
        {
            return stored;
        }

        float w = stored.Width;
        float h = stored.Height;
        SKMatrix matrix = origin switch
        {
            SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
            SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
            SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
            _ => SKMatrix.Identity,
        };
        bool swapsSides = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop
            or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var info = stored.Info.WithSize(swapsSides ? stored.Height : stored.Width, swapsSides ? stored.Width : stored.Height);
        var upright = new SKBitmap(info);
        using (var canvas = new SKCanvas(upright))
        using (var paint = new SKPaint { BlendMode = SKBlendMode.Src })
        {
            canvas.SetMatrix(matrix);
            canvas.DrawBitmap(stored, 0, 0, paint);
        }

        stored.Dispose();
        return upright;
    }
}
