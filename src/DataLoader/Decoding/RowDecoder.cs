using System.Diagnostics.CodeAnalysis;

namespace Orchestrator.DataLoader.Decoding;

/// <summary>
/// One row's image bytes and caption to a sample's pixels, or the reason the row cannot be used: the
/// single rule that training (BatchSource) and `shards verify` (ShardVerifier) share, checked in this
/// order: missing image, caption (empty, too long, invalid UTF-8), then decoding.
/// </summary>
public static class RowDecoder
{
    /// <summary>Captions longer than this many characters are skipped: LAION's run to a few hundred; longer is page text.</summary>
    public const int MaxCaptionChars = 4096;

    /// <summary>Pixels as float CHW (3, S, S) in [-1, 1], or false with <paramref name="reason"/>.</summary>
    public static bool TryDecode(byte[]? image, string? caption, int imageSize, [NotNullWhen(true)] out float[]? chw, out RowSkipReason reason)
    {
        chw = null;
        return Usable(image, caption, out reason)
            && ImageTransform.TryLoad(image, imageSize, ImageDecoder.DefaultMaxPixels, out chw, out reason);
    }

    /// <summary>
    /// As the other overload, writing the pixels into <paramref name="chw"/> (3 * S * S values, e.g. a
    /// batch's slot) and refusing images whose header gives more than <paramref name="maxPixels"/> pixels.
    /// </summary>
    public static bool TryDecode(byte[]? image, string? caption, int imageSize, long maxPixels, Span<float> chw, out RowSkipReason reason) =>
        Usable(image, caption, out reason) && ImageTransform.TryLoad(image, imageSize, maxPixels, chw, out reason);

    private static bool Usable([NotNullWhen(true)] byte[]? image, string? caption, out RowSkipReason reason)
    {
        reason = default;
        if (image is null || image.Length == 0)
        {
            reason = RowSkipReason.MissingImage;
            return false;
        }
        if (string.IsNullOrWhiteSpace(caption))
        {
            reason = RowSkipReason.EmptyCaption;
            return false;
        }
        if (caption.Length > MaxCaptionChars)
        {
            reason = RowSkipReason.CaptionTooLong;
            return false;
        }
        // Parquet.Net decodes a string column with .NET's UTF-8 decoder, which puts U+FFFD where the
        // bytes were not UTF-8 (and a lone UTF-16 surrogate cannot come out of it).
        if (caption.Contains('\uFFFD', StringComparison.Ordinal))
        {
            reason = RowSkipReason.InvalidCaption;
            return false;
        }
        return true;
    }
}
