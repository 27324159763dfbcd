using System.Diagnostics.CodeAnalysis;

namespace Orchestrator.DataLoader.Decoding;

/// <summary>
/// One row's image bytes and caption to a sample's pixels, or the reason the row cannot be used: the
/// single rule that training (BatchSource) and `shards verify` (ShardVerifier) share, checked in this
/// order: missing image, empty caption, then decoding.
/// </summary>
public static class RowDecoder
{
    /// <summary>Pixels as float CHW (3, S, S) in [-1, 1], or false with <paramref name="reason"/>.</summary>
    public static bool TryDecode(byte[]? image, string? caption, int imageSize, [NotNullWhen(true)] out float[]? chw, out RowSkipReason reason)
    {
        chw = null;
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
        return ImageTransform.TryLoad(image, imageSize, out chw, out reason);
    }
}
