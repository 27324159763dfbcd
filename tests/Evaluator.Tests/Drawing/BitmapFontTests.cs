using Orchestrator.Evaluator.Drawing;

namespace Orchestrator.Evaluator.Tests.Drawing;

public sealed class BitmapFontTests
{
    [Fact]
    public void Every_printable_character_has_its_own_glyph()
    {
        var seen = new Dictionary<string, char>();
        for (char c = BitmapFont.FirstChar; c <= BitmapFont.LastChar; c++)
        {
            string pixels = Pixels(c);
            Assert.Equal(c == ' ', !pixels.Contains('#', StringComparison.Ordinal));
            Assert.True(seen.TryAdd(pixels, c), $"'{c}' draws the same as '{seen.GetValueOrDefault(pixels)}'");
        }
    }

    [Fact]
    public void Characters_outside_ascii_draw_as_question_mark()
    {
        Assert.Equal(Pixels('?'), Pixels('é'));
    }

    private static string Pixels(char c)
    {
        var text = new System.Text.StringBuilder();
        for (int y = 0; y < BitmapFont.GlyphHeight; y++)
        {
            for (int x = 0; x < BitmapFont.GlyphWidth; x++)
                text.Append(BitmapFont.IsInk(c, x, y) ? '#' : '.');
        }
        return text.ToString();
    }
}
