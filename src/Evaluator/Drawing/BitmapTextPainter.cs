using SkiaSharp;

namespace Orchestrator.Evaluator.Drawing;

/// <summary>Draws text with <see cref="BitmapFont"/>, each font pixel an integer-sized square.</summary>
internal sealed class BitmapTextPainter : TextPainter
{
    // One blank column after each glyph and one blank row under each line.
    private const int CellWidth = BitmapFont.GlyphWidth + 1;
    private const int CellHeight = BitmapFont.GlyphHeight + 1;

    private readonly int _scale;

    public BitmapTextPainter(int pixelHeight) => _scale = Math.Max(1, (int)Math.Round(pixelHeight / (double)CellHeight));

    public override int LineHeight => CellHeight * _scale;

    public override float Measure(string text) => text.Length * CellWidth * _scale;

    public override void Draw(SKCanvas canvas, string text, float x, float top, SKColor color)
    {
        using var paint = new SKPaint { Color = color, IsAntialias = false, Style = SKPaintStyle.Fill };
        for (int i = 0; i < text.Length; i++)
        {
            float left = x + i * CellWidth * _scale;
            for (int y = 0; y < BitmapFont.GlyphHeight; y++)
            {
                for (int column = 0; column < BitmapFont.GlyphWidth; column++)
                {
                    if (BitmapFont.IsInk(text[i], column, y))
                        canvas.DrawRect(left + column * _scale, top + y * _scale, _scale, _scale, paint);
                }
            }
        }
    }
}
