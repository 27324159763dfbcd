using System.Globalization;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Shards;
using SkiaSharp;

namespace Orchestrator.DataLoader.Video;

/// <summary>
/// A deterministic synthetic caption-video dataset for checking that a model learns motion from
/// text: one plain shape on a light background whose caption says what moves where, e.g.
/// "a red circle moving left to right" or "a blue square growing".
/// </summary>
/// <remarks>
/// Row (seed, index) draws from its own SplitMix64 stream (as <see cref="SyntheticShapes"/> does),
/// so any row can be made alone. The frames are drawn with SkiaSharp and encoded by ffmpeg with
/// one thread and bit-exact flags, so the same (seed, index, size, frames, fps) gives the same mp4
/// bytes with the same ffmpeg build.
/// </remarks>
public static class SyntheticVideo
{
    public static IReadOnlyList<string> Motions { get; } =
    [
        "moving left to right", "moving right to left", "moving up", "moving down", "growing", "shrinking",
    ];

    private static readonly VideoDecoderOptions Encoder = new();

    /// <summary>Row <paramref name="index"/> of the dataset of <paramref name="seed"/>: <paramref name="frames"/> frames of <paramref name="size"/> px (even) at <paramref name="fps"/>.</summary>
    public static SyntheticVideoRow Generate(long seed, long index, int size, int frames, int fps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 8);
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(fps, 1);
        if (size % 2 != 0)
        {
            throw new ArgumentException($"the frame size must be even for yuv420p, got {size}", nameof(size));
        }

        var random = new SplitMix64(SplitMix64.Combine((ulong)seed, (ulong)index));
        var scene = new SyntheticVideoScene(
            (int)random.NextBelow((ulong)SyntheticShapes.Colours.Count),
            (int)random.NextBelow((ulong)SyntheticShapes.Shapes.Count),
            (int)random.NextBelow((ulong)Motions.Count));

        // The path runs across most of the frame (0.2 to 0.8 of the side); the other coordinate
        // and the size get a little jitter, so clips of one caption differ.
        float across = (float)random.NextDouble(0.35, 0.65);
        float half = (float)random.NextDouble(0.12, 0.16);
        var info = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul);
        var pixels = new List<byte[]>(frames);
        using var bitmap = new SKBitmap(info);
        using var canvas = new SKCanvas(bitmap);
        for (int f = 0; f < frames; f++)
        {
            float t = frames == 1 ? 0.5f : f / (float)(frames - 1);
            float along = 0.2f + (0.6f * t);
            (float x, float y, float h) = scene.Motion switch
            {
                0 => (along, across, half),
                1 => (1 - along, across, half),
                2 => (across, 1 - along, half),
                3 => (across, along, half),
                4 => (0.5f, 0.5f, 0.08f + (0.3f * t)),
                _ => (0.5f, 0.5f, 0.38f - (0.3f * t)),
            };
            canvas.Clear(SyntheticShapes.Background);
            SyntheticShapes.Draw(canvas, scene.Shape, SyntheticShapes.Palette[scene.Colour], new SKPoint(x * size, y * size), h * size);
            canvas.Flush();
            pixels.Add(bitmap.GetPixelSpan().ToArray());
        }

        byte[] mp4 = Mp4Encoder.Encode(pixels, size, size, fps, Encoder);
        string key = index.ToString("D9", CultureInfo.InvariantCulture);
        return new SyntheticVideoRow(key, scene.Caption, mp4, size, frames, fps);
    }
}
