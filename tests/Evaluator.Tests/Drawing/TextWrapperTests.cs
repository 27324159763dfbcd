using Orchestrator.Evaluator.Drawing;

namespace Orchestrator.Evaluator.Tests.Drawing;

public sealed class TextWrapperTests
{
    // One unit per character, so widths read as character counts.
    private static float Measure(string text) => text.Length;

    [Fact]
    public void Words_wrap_at_spaces()
    {
        var lines = TextWrapper.Wrap("a red fox on a hill", 9, 3, Measure);

        Assert.Equal(["a red fox", "on a hill"], lines);
    }

    [Fact]
    public void Overlong_text_ends_in_ellipsis_on_the_last_allowed_line()
    {
        var lines = TextWrapper.Wrap("one two three four five six seven", 9, 2, Measure);

        Assert.Equal(["one two", "three..."], lines);
    }

    [Fact]
    public void Word_wider_than_the_line_is_cut()
    {
        var lines = TextWrapper.Wrap("abcdefghij", 4, 3, Measure);

        Assert.Equal(["abcd", "efgh", "ij"], lines);
    }

    [Fact]
    public void Empty_caption_has_no_lines()
    {
        Assert.Empty(TextWrapper.Wrap("   ", 10, 3, Measure));
    }
}
