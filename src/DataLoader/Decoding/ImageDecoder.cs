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
/// </remarks>
public static class ImageDecoder
{
    /// <summary>Images whose shorter side is below this many pixels are skipped as too small.</summary>
    public const int MinimumSide = 8;

    /// <summary>
    /// Decodes <paramref name="encoded"/> to an upright RGBA bitmap whose shorter side is at least
    /// <paramref name="targetSide"/> (or the source's, when smaller). JPEG is scaled on decode by the
    /// smallest k/8 that still covers the target. Opaque sources (JPEG) decode as opaque, others as
    /// premultiplied alpha.
    /// </summary>
    public static bool TryDecode(
        byte[]? encoded, int targetSide, [NotNullWhen(true)] out SKBitmap? bitmap, out RowSkipReason reason) =>
        TryDecode(encoded, targetSide, centreSquare: false, out bitmap, out reason);

    /// <summary>
    /// As <see cref="TryDecode(byte[], int, out SKBitmap, out RowSkipReason)"/>, but may give only the centre square of the image (side the decoded
    /// shorter side), which is all a centre crop reads: an upright JPEG decodes only those columns and
    /// rows (the rows around them are still read, so a cut file is still found). Other images come whole.
    /// </summary>
    public static bool TryDecodeCentre(
        byte[]? encoded, int targetSide, [NotNullWhen(true)] out SKBitmap? bitmap, out RowSkipReason reason) =>
        TryDecode(encoded, targetSide, centreSquare: true, out bitmap, out reason);

    private static bool TryDecode(
        byte[]? encoded, int targetSide, bool centreSquare, [NotNullWhen(true)] out SKBitmap? bitmap, out RowSkipReason reason)
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

        SKSizeI decodeSize = shorter > targetSide ? ScaledSize(codec, targetSide) : size;
        SKAlphaType alpha = codec.Info.AlphaType == SKAlphaType.Opaque ? SKAlphaType.Opaque : SKAlphaType.Premul;
        var info = new SKImageInfo(decodeSize.Width, decodeSize.Height, SKColorType.Rgba8888, alpha);
        if (centreSquare && decodeSize.Width != decodeSize.Height
            && codec.EncodedFormat == SKEncodedImageFormat.Jpeg && codec.EncodedOrigin == SKEncodedOrigin.TopLeft)
        {
            return TryDecodeCentre(codec, info, out bitmap, out reason);
        }

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

    // Line by line: libjpeg-turbo decodes only a subset of columns (jpeg_crop_scanline) and skips the
    // rows above without their inverse DCT (jpeg_skip_scanlines). The rows below are decoded into one
    // scratch row rather than skipped: a skip past the end of a cut file reports success, and a cut
    // there must still give TruncatedImage, as a whole decode does.
    private static bool TryDecodeCentre(SKCodec codec, SKImageInfo info, [NotNullWhen(true)] out SKBitmap? bitmap, out RowSkipReason reason)
    {
        bitmap = null;
        reason = default;
        int side = Math.Min(info.Width, info.Height);
        int left = (info.Width - side) / 2;
        int top = (info.Height - side) / 2;
        var options = new SKCodecOptions(SKRectI.Create(left, 0, side, info.Height));
        SKCodecResult started = codec.StartScanlineDecode(info, options);
        if (started != SKCodecResult.Success)
        {
            reason = started == SKCodecResult.IncompleteInput ? RowSkipReason.TruncatedImage : RowSkipReason.Undecodable;
            return false;
        }

        var square = new SKBitmap(info.WithSize(side, side));
        bool complete = codec.SkipScanlines(top) && codec.GetScanlines(square.GetPixels(), side, square.RowBytes) == side;
        if (complete && top + side < info.Height)
        {
            using var scratch = new SKBitmap(info.WithSize(side, 1));
            for (int row = top + side; complete && row < info.Height; row++)
            {
                complete = codec.GetScanlines(scratch.GetPixels(), 1, scratch.RowBytes) == 1;
            }
        }

        if (!complete)
        {
            square.Dispose();
            reason = RowSkipReason.TruncatedImage;
            return false;
        }

        bitmap = square;
        return true;
    }

    // libjpeg-turbo decodes at k/8 scales (the IDCT scaled, cheaper than decoding full size and
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
        {
            canvas.SetMatrix(matrix);
            canvas.DrawBitmap(stored, 0, 0);
        }

        stored.Dispose();
        return upright;
    }
}
