using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Orchestrator.Evaluator.Clip;

/// <summary>
/// CLIP's byte-level BPE tokenizer (Radford et al. 2021; Sennrich et al. 2016), from Hugging Face's vocab.json and
/// merges.txt. Text is cleaned (HTML entities decoded, whitespace collapsed, lower-cased), split by CLIP's pattern,
/// each piece's UTF-8 bytes mapped to printable characters, the last one marked with "&lt;/w&gt;", then merged by
/// rank. Sequences are &lt;|startoftext|&gt; tokens &lt;|endoftext|&gt;, cut to the context length with the end
/// token kept, padded with 0 as OpenAI's clip.tokenize does. Unlike OpenAI's, it does not run ftfy's mojibake repair.
/// </summary>
public sealed partial class ClipTokenizer
{
    /// <summary>CLIP's context length.</summary>
    public const int DefaultContextLength = 77;

    /// <summary>The start-of-text token.</summary>
    public const string StartOfText = "<|startoftext|>";

    /// <summary>The end-of-text token.</summary>
    public const string EndOfText = "<|endoftext|>";

    private const string EndOfWord = "</w>";

    private static readonly string[] ByteCharacters = BytesToUnicode();

    private readonly Dictionary<string, int> _vocabulary;
    private readonly Dictionary<(string, string), int> _mergeRanks;
    private readonly Dictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    /// <param name="vocabulary">Token to id.</param>
    /// <param name="merges">Merge rules in rank order (first merges first).</param>
    public ClipTokenizer(IReadOnlyDictionary<string, int> vocabulary, IReadOnlyList<(string Left, string Right)> merges)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(merges);
        _vocabulary = new Dictionary<string, int>(vocabulary, StringComparer.Ordinal);
        foreach (string special in new[] { StartOfText, EndOfText })
        {
            if (!_vocabulary.ContainsKey(special))
                throw new ArgumentException($"The vocabulary has no '{special}'; expected CLIP's special tokens.", nameof(vocabulary));
        }
        _mergeRanks = [];
        for (int rank = 0; rank < merges.Count; rank++)
            _mergeRanks.TryAdd(merges[rank], rank);
        StartOfTextId = _vocabulary[StartOfText];
        EndOfTextId = _vocabulary[EndOfText];
    }

    /// <summary>Id of &lt;|startoftext|&gt;.</summary>
    public int StartOfTextId { get; }

    /// <summary>Id of &lt;|endoftext|&gt;.</summary>
    public int EndOfTextId { get; }

    /// <summary>Reads vocab.json (token -> id) and merges.txt (a "#version" line, then "left right" per line).</summary>
    public static ClipTokenizer Load(string vocabPath, string mergesPath)
    {
        ArgumentNullException.ThrowIfNull(vocabPath);
        ArgumentNullException.ThrowIfNull(mergesPath);
        foreach (var (path, key) in new[] { (vocabPath, "eval.clip.vocab"), (mergesPath, "eval.clip.merges") })
        {
            if (!File.Exists(path))
                throw new FileNotFoundException($"{key}: '{path}' does not exist; expected the CLIP tokenizer file of the model.", path);
        }

        Dictionary<string, int>? vocabulary;
        try
        {
            vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabPath));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{vocabPath}: expected a JSON object of token -> integer id ({e.Message}).", e);
        }
        if (vocabulary is null)
            throw new InvalidDataException($"{vocabPath}: expected a JSON object of token -> integer id, found null.");

        var merges = new List<(string, string)>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(mergesPath))
        {
            lineNumber++;
            if ((lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)) || line.Length == 0)
                continue;
            var parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new InvalidDataException($"{mergesPath}: line {lineNumber} is '{line}'; expected two tokens separated by one space.");
            merges.Add((parts[0], parts[1]));
        }
        return new ClipTokenizer(vocabulary, merges);
    }

    /// <summary>Token ids of the cleaned text, without start and end tokens.</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        foreach (Match match in PiecePattern().Matches(Clean(text)))
        {
            string piece = match.Value;
            if (piece is StartOfText or EndOfText)
            {
                ids.Add(_vocabulary[piece]);
                continue;
            }
            var mapped = new StringBuilder();
            foreach (byte b in Encoding.UTF8.GetBytes(piece))
                mapped.Append(ByteCharacters[b]);
            ids.AddRange(BytePairs(mapped.ToString()));
        }
        return ids;
    }

    /// <summary>(n, contextLength) int64 ids of the texts: start, tokens, end (kept when cut), then 0s.</summary>
    public long[,] Tokenize(IReadOnlyList<string> texts, int contextLength = DefaultContextLength)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 2);
        var result = new long[texts.Count, contextLength];
        for (int row = 0; row < texts.Count; row++)
        {
            var ids = Encode(texts[row]);
            int kept = Math.Min(ids.Count, contextLength - 2);
            result[row, 0] = StartOfTextId;
            for (int i = 0; i < kept; i++)
                result[row, i + 1] = ids[i];
            result[row, kept + 1] = EndOfTextId;
        }
        return result;
    }

    /// <summary>CLIP's basic_clean and whitespace_clean, then lower case: entities decoded (twice, as CLIP does), runs of whitespace to one space, trimmed.</summary>
    internal static string Clean(string text)
    {
        string decoded = WebUtility.HtmlDecode(WebUtility.HtmlDecode(text));
        return Whitespace().Replace(decoded, " ").Trim().ToLowerInvariant();
    }

    private int[] BytePairs(string piece)
    {
        if (_cache.TryGetValue(piece, out var cached))
            return cached;

        // Characters of the piece, the last one carrying the end-of-word mark.
        var word = new List<string>(piece.Length);
        foreach (char c in piece)
            word.Add(c.ToString());
        word[^1] += EndOfWord;

        while (word.Count > 1)
        {
            int bestRank = int.MaxValue;
            (string, string) best = default;
            for (int i = 0; i + 1 < word.Count; i++)
            {
                if (_mergeRanks.TryGetValue((word[i], word[i + 1]), out int rank) && rank < bestRank)
                {
                    bestRank = rank;
                    best = (word[i], word[i + 1]);
                }
            }
            if (bestRank == int.MaxValue)
                break;
            // Merge every occurrence of the best pair, left to right.
            var merged = new List<string>(word.Count);
            for (int i = 0; i < word.Count; i++)
            {
                if (i + 1 < word.Count && word[i] == best.Item1 && word[i + 1] == best.Item2)
                {
                    merged.Add(best.Item1 + best.Item2);
                    i++;
                }
                else
                {
                    merged.Add(word[i]);
                }
            }
            word = merged;
        }

        var ids = new int[word.Count];
        for (int i = 0; i < word.Count; i++)
        {
            if (!_vocabulary.TryGetValue(word[i], out ids[i]))
                throw new InvalidDataException($"BPE token '{word[i]}' (of '{piece}') is not in the vocabulary; vocab.json and merges.txt do not belong together.");
        }
        _cache[piece] = ids;
        return ids;
    }

    // GPT-2's byte-to-character table (Radford et al. 2019), which CLIP reuses: printable bytes map to themselves,
    // the others to code points from 256 up, so that every byte is a visible, non-space character.
    private static string[] BytesToUnicode()
    {
        var table = new string[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = ((char)(printable ? b : 256 + next++)).ToString();
        }
        return table;
    }

    // CLIP's pre-tokenizer pattern: special tokens, English contractions, letter runs, single digits, other symbol runs.
    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PiecePattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
