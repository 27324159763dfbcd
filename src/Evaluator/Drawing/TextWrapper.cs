namespace Orchestrator.Evaluator.Drawing;

/// <summary>Breaks text into lines that fit a width, at spaces where it can and inside words where it must.</summary>
internal static class TextWrapper
{
    private const string Ellipsis = "...";

    /// <summary>At most <paramref name="maxLines"/> lines; if text remains, the last line ends in "...".</summary>
    public static IReadOnlyList<string> Wrap(string text, float width, int maxLines, Func<string, float> measure)
    {
        var lines = new List<string>();
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var line = "";
        int index = 0;
        while (index < words.Length)
        {
            string word = words[index];
            string candidate = line.Length == 0 ? word : $"{line} {word}";
            if (measure(candidate) <= width)
            {
                line = candidate;
                index++;
                continue;
            }
            if (line.Length == 0)
            {
                // A word wider than the line: cut it where it stops fitting, keep the rest for the next line.
                int fit = Math.Max(1, LongestFittingPrefix(word, width, measure));
                line = word[..fit];
                words[index] = word[fit..];
                if (words[index].Length == 0)
                    index++;
            }
            lines.Add(line);
            line = "";
            if (lines.Count == maxLines)
                break;
        }
        if (line.Length > 0 && lines.Count < maxLines)
            lines.Add(line);
        if (index < words.Length && lines.Count > 0)
            lines[^1] = WithEllipsis(lines[^1], width, measure);
        return lines;
    }

    private static int LongestFittingPrefix(string text, float width, Func<string, float> measure)
    {
        int length = 0;
        while (length < text.Length && measure(text[..(length + 1)]) <= width)
            length++;
        return length;
    }

    private static string WithEllipsis(string line, float width, Func<string, float> measure)
    {
        string shortened = line;
        while (shortened.Length > 0 && measure(shortened + Ellipsis) > width)
            shortened = shortened[..^1];
        return shortened.TrimEnd() + Ellipsis;
    }
}
