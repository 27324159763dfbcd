using Orchestrator.Evaluator.Clip;

namespace Orchestrator.Evaluator.Tests.Clip;

public sealed class ClipTokenizerTests
{
    private const int StartId = 516;
    private const int EndId = 517;

    private static int Byte(char c) => TinyClip.ByteId(c);

    private static int WordEnd(char c) => TinyClip.ByteId(c) + 256;

    [Fact]
    public void Merges_apply_by_rank_and_words_end_with_the_end_of_word_form()
    {
        var tokenizer = TinyClip.Tokenizer();

        // hello: h e l l o</w> -> he l l o</w> -> he l lo</w> -> hel lo</w> -> hello</w> (id 515).
        // world: no merge applies; the last character takes its </w> form.
        Assert.Equal([515, WordEnd(','), Byte('w'), Byte('o'), Byte('r'), Byte('l'), WordEnd('d'), WordEnd('!')],
            tokenizer.Encode("hello, world!"));
    }

    [Fact]
    public void Text_is_lower_cased_unescaped_and_whitespace_collapsed()
    {
        var tokenizer = TinyClip.Tokenizer();

        Assert.Equal([515, WordEnd('&'), 515], tokenizer.Encode("  HELLO&amp;\t\n Hello "));
        Assert.Equal("a b & c", ClipTokenizer.Clean("  A \n\t B &amp;amp; c "));
    }

    [Fact]
    public void Digits_split_one_by_one_and_contractions_split_off()
    {
        var tokenizer = TinyClip.Tokenizer();

        Assert.Equal([WordEnd('a'), WordEnd('1'), WordEnd('2')], tokenizer.Encode("a 12"));
        Assert.Equal([Byte('i'), WordEnd('t'), Byte('\''), WordEnd('s')], tokenizer.Encode("it's"));
    }

    [Fact]
    public void Non_ascii_text_goes_through_its_utf8_bytes()
    {
        var tokenizer = TinyClip.Tokenizer();

        // é is C3 A9: two byte characters, the last with its </w> form.
        Assert.Equal([TinyClip.ByteId(0xC3), TinyClip.ByteId(0xA9) + 256], tokenizer.Encode("é"));
        Assert.Equal(127, TinyClip.ByteId(0xC3));
        Assert.Equal(102, TinyClip.ByteId(0xA9));
    }

    [Fact]
    public void Sequences_are_framed_cut_to_the_context_keeping_the_end_and_zero_padded()
    {
        var tokenizer = TinyClip.Tokenizer();

        var ids = tokenizer.Tokenize(["hello", string.Join(' ', Enumerable.Repeat("a", 100))], contextLength: 77);

        Assert.Equal(77, ids.GetLength(1));
        Assert.Equal([StartId, 515, EndId, 0], new[] { ids[0, 0], ids[0, 1], ids[0, 2], ids[0, 3] });
        Assert.Equal(StartId, ids[1, 0]);
        Assert.Equal(WordEnd('a'), ids[1, 75]);
        Assert.Equal(EndId, ids[1, 76]);
    }

    [Fact]
    public void Special_tokens_in_text_map_to_their_ids()
    {
        var tokenizer = TinyClip.Tokenizer();

        Assert.Equal([StartId, 515, EndId], tokenizer.Encode("<|startoftext|>hello<|endoftext|>"));
    }

    [Fact]
    public void Loads_vocab_json_and_merges_txt_and_names_a_bad_merges_line()
    {
        using var folder = new TemporaryFolder();
        var files = TinyClip.Write(folder.Path);

        var loaded = ClipTokenizer.Load(files.Vocab, files.Merges);
        Assert.Equal([515], loaded.Encode("hello"));

        File.AppendAllLines(files.Merges, ["one-token-only"]);
        var error = Assert.Throws<InvalidDataException>(() => ClipTokenizer.Load(files.Vocab, files.Merges));
        Assert.Contains("merges.txt: line 6", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_piece_missing_from_the_vocabulary_is_named()
    {
        var vocabulary = TinyClip.Vocabulary();
        vocabulary.Remove("hello</w>");
        var tokenizer = new ClipTokenizer(vocabulary, TinyClip.Merges);

        var error = Assert.Throws<InvalidDataException>(() => tokenizer.Encode("hello"));

        Assert.Contains("hello</w>", error.Message, StringComparison.Ordinal);
    }
}
