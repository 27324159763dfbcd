using SkiaSharp;

namespace Orchestrator.Evaluator.Drawing;

/// <summary>Draws text with a system typeface, antialiased.</summary>
internal sealed class TypefaceTextPainter : TextPainter
{
    private readonly SKFont _font;
    private readonly float _ascent;

    public TypefaceTextPainter(SKTypeface typeface, int pixelHeight)
    {
        // The font size is the em height; ascent plus descent comes to about 1.2 em for common sans faces.
        _font = new SKFont(typeface, pixelHeight / 1.2f) { Subpixel = true, Edging = SKFontEdging.Antialias };
        _ascent = -_font.Metrics.Ascent;
        LineHeight = (int)Math.Ceiling(_font.Spacing);
    }

    public override int LineHeight { get; }

    public override float Measure(string text) => _font.MeasureText(text);

    public override void Draw(SKCanvas canvas, string text, float x, float top, SKColor color)
    {
        using var paint = new SKPaint { Color = color, IsAntialias = true };
        canvas.DrawText(text, x, top + _ascent, SKTextAlign.Left, _font, paint);
    }
}
