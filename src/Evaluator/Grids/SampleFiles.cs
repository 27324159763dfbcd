using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Grids;

/// <summary>
/// The files of a set of captioned samples. Images (F = 1) make one grid PNG. Clips (F &gt; 1) make a frame strip PNG,
/// one row per clip with its caption, and one looping GIF per clip in the folder named after the PNG without its
/// extension (samples/step-N.png and samples/step-N/clip-0.gif, ...), so that a person can watch them move.
/// </summary>
public static class SampleFiles
{
    /// <summary>File name prefix of the GIFs: clip-0.gif is the first caption's clip.</summary>
    public const string ClipPrefix = "clip";

    /// <summary>Writes <paramref name="samples"/> (n, 3, F, H, W) in [-1, 1] at <paramref name="pngPath"/>; returns the GIFs written (none for images).</summary>
    public static IReadOnlyList<string> Write(string pngPath, Tensor samples, IReadOnlyList<string> captions)
    {
        ArgumentNullException.ThrowIfNull(pngPath);
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.dim() != 5)
        {
            throw new ArgumentException($"Samples have shape [{string.Join(", ", samples.shape)}]; expected (n, 3, F, H, W).", nameof(samples));
        }

        if (Path.GetDirectoryName(Path.GetFullPath(pngPath)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        if (samples.shape[2] == 1)
        {
            SampleGrid.WritePng(pngPath, samples, captions);
            return [];
        }

        ClipStrip.WritePng(pngPath, samples, captions);
        // GIF frames about as large as a grid's images (128 px).
        int scale = (int)Math.Max(1, 128 / samples.shape[^1]);
        return AnimatedGif.WriteEach(ClipFolder(pngPath), ClipPrefix, samples, scale);
    }

    /// <summary>The folder of a strip's GIFs: its path without the extension.</summary>
    public static string ClipFolder(string pngPath) => Path.ChangeExtension(pngPath, null);
}
