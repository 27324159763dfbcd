using SkiaSharp;

namespace Orchestrator.Evaluator.Drawing;

/// <summary>Draws single lines of text: with a system typeface when one has glyphs, else with <see cref="BitmapFont"/>.</summary>
internal abstract class TextPainter
{
    // Without fontconfig (SkiaSharp's NoDependencies assets) SKTypeface.Default can be an empty typeface, so
    // ORCHESTRATOR_FONT and known sans-serif files are tried first, the default typeface last.
    private static readonly string[] KnownFontFiles =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/Library/Fonts/Arial.ttf",
        "C:\\Windows\\Fonts\\arial.ttf",
    ];

    private static readonly Lazy<SKTypeface?> SystemTypeface = new(FindTypeface);

    /// <summary>Height of one line, in pixels, including spacing to the next.</summary>
    public abstract int LineHeight { get; }

    /// <summary>Width of <paramref name="text"/> in pixels.</summary>
    public abstract float Measure(string text);

    /// <summary>Draws <paramref name="text"/> with its line box's top-left corner at (x, top).</summary>
    public abstract void Draw(SKCanvas canvas, string text, float x, float top, SKColor color);

    /// <summary>A painter for text about <paramref name="pixelHeight"/> pixels tall, with the best font available.</summary>
    public static TextPainter Create(int pixelHeight)
    {
        var typeface = SystemTypeface.Value;
        return typeface is null ? new BitmapTextPainter(pixelHeight) : new TypefaceTextPainter(typeface, pixelHeight);
    }

    private static SKTypeface? FindTypeface()
    {
        var configured = Environment.GetEnvironmentVariable("ORCHESTRATOR_FONT");
        var candidates = string.IsNullOrEmpty(configured) ? KnownFontFiles : [configured, .. KnownFontFiles];
        foreach (var file in candidates.Where(File.Exists))
        {
            var typeface = SKTypeface.FromFile(file);
            if (HasGlyphs(typeface))
                return typeface;
            typeface?.Dispose();
        }
        return HasGlyphs(SKTypeface.Default) ? SKTypeface.Default : null;
    }

    private static bool HasGlyphs(SKTypeface? typeface) =>
        typeface is not null && typeface.GlyphCount > 0 && typeface.ContainsGlyphs("Ag0.");
}
