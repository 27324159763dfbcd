using System.Diagnostics.CodeAnalysis;
using SkiaSharp;

namespace Orchestrator.DataLoader.Decoding;

/// <summary>
/// Decodes JPEG and PNG bytes with SkiaSharp's SKCodec into an upright bitmap, scaled on decode
/// when the source is far larger than needed; says why a row cannot be used instead of throwing.
/// </summary>
/// <remarks>
/// SkiaSharp (MIT, libjpeg-turbo inside) rather than ImageSharp: ImageSharp 4.x needs a paid
/// licence file to build in Release and 2.x cannot scale on decode, which makes decoding a 2-4
/// times larger JPEG to a small training size several times slower (docs/data-loader.md).
/// SKCodec reports the EXIF orientation without applying it, so it is applied here.
/// </remarks>
public static class ImageDecoder
{
    /// <summary>Images whose shorter side is below this many pixels are skipped as too small.</summary>
    public const int MinimumSide = 8;

    /// <summary>
    /// Decodes <paramref name="encoded"/> to an upright premultiplied RGBA bitmap whose shorter side
    /// is at least <paramref name="targetSide"/> (or the source's, when smaller). JPEG is scaled on
    /// decode (by k/8) when the source's shorter side is at least twice the target.
    /// </summary>
    public static bool TryDecode(
        byte[]? encoded, int targetSide, [NotNullWhen(true)] out SKBitmap? bitmap, out RowSkipReason reason)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targetSide, 1);
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

        SKSizeI size = codec.Info.Size;
        int shorter = Math.Min(size.Width, size.Height);
        if (shorter < MinimumSide)
        {
            reason = RowSkipReason.ImageTooSmall;
            return false;
        }

        SKSizeI decodeSize = shorter >= 2 * targetSide ? ScaledSize(codec, targetSide) : size;
        var info = new SKImageInfo(decodeSize.Width, decodeSize.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        var decoded = new SKBitmap(info);
        SKCodecResult result = codec.GetPixels(info, decoded.GetPixels());
        if (result != SKCodecResult.Success)
        {
            decoded.Dispose();
            reason = result == SKCodecResult.IncompleteInput ? RowSkipReason.TruncatedImage : RowSkipReason.Undecodable;
            return false;
        }

        bitmap = Upright(decoded, codec.EncodedOrigin);
        return true;
    }

    // libjpeg-turbo decodes at k/8 scales; GetScaledDimensions rounds a requested scale down to
    // one it supports, so try them from the smallest and keep the first that still covers the target.
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
        {
            canvas.SetMatrix(matrix);
            canvas.DrawBitmap(stored, 0, 0);
        }

        stored.Dispose();
        return upright;
    }
}
