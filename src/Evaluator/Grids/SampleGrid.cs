using Orchestrator.Evaluator.Drawing;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Evaluator.Grids;

/// <summary>Writes generated samples as one PNG: a grid of images (videos as strips of frames), each captioned.</summary>
public static class SampleGrid
{
    /// <summary>Space between cells and around the grid, in pixels.</summary>
    internal const int Padding = 4;

    /// <summary>Longest caption, in lines; longer ones end in "...".</summary>
    internal const int CaptionLines = 3;

    /// <summary>Text height of captions, in pixels.</summary>
    internal const int CaptionPixelHeight = 11;

    /// <summary>
    /// The grid layout every sample sheet uses: up to 4 columns, images upscaled (nearest) to cells of
    /// about 128 px so that small training resolutions stay visible next to their captions.
    /// </summary>
    public static void WritePng(string path, Tensor images, IReadOnlyList<string> captions) =>
        WritePng(path, images, captions, columns: (int)Math.Clamp(images.shape[0], 1, 4), scale: (int)Math.Max(1, 128 / images.shape[^1]));

    /// <summary>
    /// Writes <paramref name="images"/> (n, 3, H, W), or videos (n, 3, F, H, W) shown as F frames side by side,
    /// with values in [-1, 1], upscaled by <paramref name="scale"/> (nearest neighbour), <paramref name="columns"/>
    /// cells to a row, each with its caption under it, on white.
    /// </summary>
    public static void WritePng(string path, Tensor images, IReadOnlyList<string> captions, int columns, int scale) =>
        WritePng(path, images, captions, columns, scale, TextPainter.Create(CaptionPixelHeight));

    internal static void WritePng(string path, Tensor images, IReadOnlyList<string> captions, int columns, int scale, TextPainter painter)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(captions);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);

        using var scope = NewDisposeScope();
        var frames = AsFrameStrips(images);              // (n, F, H, W, 3) bytes
        int n = (int)frames.shape[0];
        int frameCount = (int)frames.shape[1];
        int height = (int)frames.shape[2];
        int width = (int)frames.shape[3];
        if (n == 0)
            throw new ArgumentException("No images to write; expected at least one.", nameof(images));
        if (captions.Count != n)
            throw new ArgumentException($"{captions.Count} captions for {n} images; expected one caption per image.", nameof(captions));

        var layout = new GridLayout(n, columns, frameCount * width * scale, height * scale, CaptionLines * painter.LineHeight);
        using var bitmap = new SKBitmap(new SKImageInfo(layout.Width, layout.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            var sampling = new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None);
            var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
            var pixels = new byte[width * height * 4];
            for (int i = 0; i < n; i++)
            {
                var (left, top) = layout.CellOrigin(i);
                for (int f = 0; f < frameCount; f++)
                {
                    ToRgba(frames[i, f], pixels);
                    using var frame = SKImage.FromPixelCopy(info, pixels);
                    float x = left + f * width * scale;
                    canvas.DrawImage(frame, new SKRect(x, top, x + width * scale, top + height * scale), sampling);
                }
                var lines = TextWrapper.Wrap(captions[i] ?? "", layout.CellWidth, CaptionLines, painter.Measure);
                for (int line = 0; line < lines.Count; line++)
                    painter.Draw(canvas, lines[line], left, top + layout.ImageHeight + line * painter.LineHeight, SKColors.Black);
            }
        }
        PngFile.Write(path, bitmap);
    }

    /// <summary>(n, 3, H, W) or (n, 3, F, H, W) in [-1, 1] as (n, F, H, W, 3) bytes on the CPU.</summary>
    internal static Tensor AsFrameStrips(Tensor images)
    {
        var shape = images.shape;
        bool isImage = images.dim() == 4 && shape[1] == 3;
        bool isVideo = images.dim() == 5 && shape[1] == 3;
        if (!isImage && !isVideo)
        {
            throw new ArgumentException(
                $"Images have shape [{string.Join(", ", shape)}]; expected (n, 3, H, W) or (n, 3, F, H, W).", nameof(images));
        }
        if (!images.is_floating_point())
            throw new ArgumentException($"Images have dtype {images.dtype}; expected a floating type in [-1, 1].", nameof(images));
        var video = isImage ? images.unsqueeze(2) : images;                   // (n, 3, F, H, W)
        // Scalars are explicit: an implicit one can be finalized while libtorch still reads it (docs/architecture.md).
        using var low = (-1.0).ToScalar();
        using var high = 1.0.ToScalar();
        using var halfRange = 127.5.ToScalar();
        var bytes = video.detach().to(CPU).to_type(ScalarType.Float32).clamp(low, high).add(high, high).mul(halfRange)
            .round().to_type(ScalarType.Byte);
        return bytes.permute(0, 2, 3, 4, 1).contiguous();                       // (n, F, H, W, 3)
    }

    /// <summary>Copies a (H, W, 3) byte tensor into an opaque RGBA buffer.</summary>
    private static void ToRgba(Tensor frame, byte[] rgba)
    {
        var rgb = frame.data<byte>().ToArray();
        for (int p = 0, q = 0; p < rgb.Length; p += 3, q += 4)
        {
            rgba[q] = rgb[p];
            rgba[q + 1] = rgb[p + 1];
            rgba[q + 2] = rgb[p + 2];
            rgba[q + 3] = 255;
        }
    }
}
