using System.Globalization;
using Orchestrator.DataLoader.Sampling;
using SkiaSharp;

namespace Orchestrator.DataLoader.Shards;

/// <summary>
/// A deterministic synthetic caption-image dataset, small enough to learn at 16-32 px on a CPU:
/// two large plain shapes on a light background, e.g. "a red circle above a blue square".
/// </summary>
/// <remarks>
/// Row (seed, index) is drawn from its own SplitMix64 stream, so any row can be made alone and the
/// same (seed, index, size) always gives the same JPEG bytes. Shape A sits in one half of the
/// image (upper for "above", left for "left of", ...) and shape B in the other, with a little
/// jitter in position and size; the two colours always differ.
/// </remarks>
public static class SyntheticShapes
{
    /// <summary>JPEG quality of the generated images.</summary>
    public const int JpegQuality = 90;

    public static IReadOnlyList<string> Colours { get; } = ["red", "green", "blue", "yellow"];
    public static IReadOnlyList<string> Shapes { get; } = ["circle", "square", "triangle"];
    public static IReadOnlyList<string> Relations { get; } = ["above", "below", "left of", "right of"];

    internal static SKColor Background { get; } = new(238, 238, 232);

    internal static IReadOnlyList<SKColor> Palette { get; } =
    [
        new SKColor(220, 40, 40),
        new SKColor(40, 170, 60),
        new SKColor(40, 80, 225),
        new SKColor(240, 205, 30),
    ];

    /// <summary>Row <paramref name="index"/> of the dataset of <paramref name="seed"/>, drawn at <paramref name="imageSize"/> px square.</summary>
    public static SyntheticRow Generate(long seed, long index, int imageSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 8);
        var random = new SplitMix64(SplitMix64.Combine((ulong)seed, (ulong)index));
        SyntheticScene scene = Scene(ref random);

        float size = imageSize;
        var info = new SKImageInfo(imageSize, imageSize, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info);
        SKCanvas canvas = surface.Canvas;
        canvas.Clear(Background);

        // Centre of A on its side of the dividing line, B mirrored on the other; the half-size
        // (0.16-0.21 of the side) keeps each shape inside its own half.
        float nearA = (float)random.NextDouble(0.22, 0.28);
        float nearB = (float)random.NextDouble(0.22, 0.28);
        float acrossA = (float)random.NextDouble(0.3, 0.7);
        float acrossB = (float)random.NextDouble(0.3, 0.7);
        float halfA = (float)random.NextDouble(0.16, 0.21) * size;
        float halfB = (float)random.NextDouble(0.16, 0.21) * size;
        (SKPoint a, SKPoint b) = scene.Relation switch
        {
            0 => (new SKPoint(acrossA, nearA), new SKPoint(acrossB, 1 - nearB)),
            1 => (new SKPoint(acrossA, 1 - nearA), new SKPoint(acrossB, nearB)),
            2 => (new SKPoint(nearA, acrossA), new SKPoint(1 - nearB, acrossB)),
            _ => (new SKPoint(1 - nearA, acrossA), new SKPoint(nearB, acrossB)),
        };
        Draw(canvas, scene.ShapeA, Palette[scene.ColourA], new SKPoint(a.X * size, a.Y * size), halfA);
        Draw(canvas, scene.ShapeB, Palette[scene.ColourB], new SKPoint(b.X * size, b.Y * size), halfB);

        using SKImage image = surface.Snapshot();
        using SKData jpeg = image.Encode(SKEncodedImageFormat.Jpeg, JpegQuality);
        string key = index.ToString("D9", CultureInfo.InvariantCulture);
        return new SyntheticRow(key, scene.Caption, jpeg.ToArray(), imageSize, imageSize);
    }

    /// <summary>The scene of row (seed, index), without drawing it.</summary>
    internal static SyntheticScene Describe(long seed, long index)
    {
        var random = new SplitMix64(SplitMix64.Combine((ulong)seed, (ulong)index));
        return Scene(ref random);
    }

    private static SyntheticScene Scene(ref SplitMix64 random)
    {
        int colourA = (int)random.NextBelow((ulong)Colours.Count);
        int colourB = (colourA + 1 + (int)random.NextBelow((ulong)Colours.Count - 1)) % Colours.Count;
        int shapeA = (int)random.NextBelow((ulong)Shapes.Count);
        int shapeB = (int)random.NextBelow((ulong)Shapes.Count);
        int relation = (int)random.NextBelow((ulong)Relations.Count);
        return new SyntheticScene(colourA, shapeA, relation, colourB, shapeB);
    }

    /// <summary>Draws the filled shape <paramref name="shape"/> of <see cref="Shapes"/>, <paramref name="half"/> pixels from centre to edge.</summary>
    internal static void Draw(SKCanvas canvas, int shape, SKColor colour, SKPoint centre, float half)
    {
        using var paint = new SKPaint { Color = colour, IsAntialias = true, Style = SKPaintStyle.Fill };
        switch (shape)
        {
            case 0:
                canvas.DrawCircle(centre, half, paint);
                break;
            case 1:
                canvas.DrawRect(centre.X - half, centre.Y - half, 2 * half, 2 * half, paint);
                break;
            default:
                using (var path = new SKPath())
                {
                    path.MoveTo(centre.X, centre.Y - half);
                    path.LineTo(centre.X + half, centre.Y + half);
                    path.LineTo(centre.X - half, centre.Y + half);
                    path.Close();
                    canvas.DrawPath(path, paint);
                }

                break;
        }
    }
}
