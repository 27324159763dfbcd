using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Grids;

/// <summary>Writes sampled clips as one PNG: one row per clip, its frames across, its caption under it.</summary>
public static class ClipStrip
{
    /// <summary>
    /// Writes <paramref name="clips"/> (n, 3, F, H, W) in [-1, 1] as n rows of F frames, upscaled (nearest) so that
    /// a frame is about 96 px high, each row captioned.
    /// </summary>
    public static void WritePng(string path, Tensor clips, IReadOnlyList<string> captions)
    {
        ArgumentNullException.ThrowIfNull(clips);
        WritePng(path, clips, captions, scale: (int)Math.Max(1, 96 / Math.Max(1, clips.shape[^1])));
    }

    /// <summary>Writes <paramref name="clips"/> (n, 3, F, H, W) in [-1, 1] as n rows of F frames, upscaled by <paramref name="scale"/>.</summary>
    public static void WritePng(string path, Tensor clips, IReadOnlyList<string> captions, int scale)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.dim() != 5)
        {
            throw new ArgumentException(
                $"Clips have shape [{string.Join(", ", clips.shape)}]; expected (n, 3, F, H, W).", nameof(clips));
        }

        SampleGrid.WritePng(path, clips, captions, columns: 1, scale);
    }
}
