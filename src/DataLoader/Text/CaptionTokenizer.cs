using System.Text;

namespace Orchestrator.DataLoader.Text;

/// <summary>
/// Hashed word tokens for the small caption encoder: lowercase words (runs of letters and digits)
/// mapped by FNV-1a to a fixed vocabulary, so no vocabulary file is needed and any caption encodes.
/// </summary>
/// <remarks>
/// Ids: 0 = pad, 1 = begin, a word w = 2 + FNV-1a-32(UTF-8 of w) mod (V - 2). The output is
/// [1, w1, w2, ..., 0, 0] of exactly <see cref="MaxTokens"/> ids, cut when longer. Distinct words
/// may share an id (hash collision); with V in the thousands and short captions that is rare.
/// </remarks>
public sealed class CaptionTokenizer
{
    public const long Pad = 0;
    public const long Begin = 1;

    // FNV-1a, 32-bit (Fowler, Noll and Vo; IETF draft-eastlake-fnv).
    private const uint FnvOffset = 2166136261;
    private const uint FnvPrime = 16777619;

    public CaptionTokenizer(int vocabularySize, int maxTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 3);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 2);
        VocabularySize = vocabularySize;
        MaxTokens = maxTokens;
        EmptyCaption = new long[maxTokens];
        EmptyCaption[0] = Begin;
    }

    public int VocabularySize { get; }
    public int MaxTokens { get; }

    /// <summary>The tokens of the empty caption, [1, 0, 0, ...]: the unconditional input of classifier-free guidance.</summary>
    public long[] EmptyCaption { get; }

    /// <summary>The ids of <paramref name="caption"/>, padded or cut to <see cref="MaxTokens"/>.</summary>
    public long[] Encode(string caption)
    {
        ArgumentNullException.ThrowIfNull(caption);
        var ids = new long[MaxTokens];
        ids[0] = Begin;
        int next = 1;
        var word = new StringBuilder();
        foreach (Rune rune in caption.EnumerateRunes())
        {
            if (next == MaxTokens)
            {
                return ids;
            }

            if (Rune.IsLetterOrDigit(rune))
            {
                word.Append(Rune.ToLowerInvariant(rune).ToString());
            }
            else if (word.Length > 0)
            {
                ids[next++] = WordId(word.ToString());
                word.Clear();
            }
        }

        if (word.Length > 0 && next < MaxTokens)
        {
            ids[next] = WordId(word.ToString());
        }

        return ids;
    }

    /// <summary>The id of one lowercase word.</summary>
    public long WordId(string word)
    {
        uint hash = FnvOffset;
        foreach (byte b in Encoding.UTF8.GetBytes(word))
        {
            hash = (hash ^ b) * FnvPrime;
        }

        return 2 + (hash % (uint)(VocabularySize - 2));
    }
}
