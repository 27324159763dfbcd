using Orchestrator.DataLoader.Text;

namespace Orchestrator.DataLoader.Tests.Text;

public sealed class CaptionTokenizerTests
{
    [Fact]
    public void A_word_id_is_two_plus_its_fnv1a_hash_modulo_the_vocabulary()
    {
        var tokenizer = new CaptionTokenizer(vocabularySize: 1002, maxTokens: 4);

        // FNV-1a-32("a") = 0xE40C292C = 3826002220, and 3826002220 mod 1000 = 220.
        Assert.Equal(222, tokenizer.WordId("a"));
    }

    [Fact]
    public void A_caption_encodes_as_begin_words_and_padding()
    {
        var tokenizer = new CaptionTokenizer(vocabularySize: 1024, maxTokens: 8);

        long[] ids = tokenizer.Encode("A Red-circle, above!");

        long[] expected = [1, tokenizer.WordId("a"), tokenizer.WordId("red"), tokenizer.WordId("circle"), tokenizer.WordId("above"), 0, 0, 0];
        Assert.Equal(expected, ids);
        Assert.All(ids[1..5], id => Assert.InRange(id, 2, 1023));
    }

    [Fact]
    public void A_long_caption_is_cut_to_the_maximum()
    {
        var tokenizer = new CaptionTokenizer(vocabularySize: 64, maxTokens: 3);

        long[] ids = tokenizer.Encode("one two three four");

        Assert.Equal([1, tokenizer.WordId("one"), tokenizer.WordId("two")], ids);
    }

    [Fact]
    public void The_empty_caption_is_begin_then_padding()
    {
        var tokenizer = new CaptionTokenizer(vocabularySize: 64, maxTokens: 5);

        Assert.Equal([1, 0, 0, 0, 0], tokenizer.EmptyCaption);
        Assert.Equal(tokenizer.EmptyCaption, tokenizer.Encode(" ,. "));
    }
}
