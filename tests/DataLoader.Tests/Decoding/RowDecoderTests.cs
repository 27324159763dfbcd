using System.Text;
using Orchestrator.DataLoader.Decoding;

namespace Orchestrator.DataLoader.Tests.Decoding;

public sealed class RowDecoderTests
{
    private static readonly byte[] Jpeg = TestImages.Jpeg(40, 30);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t\n")]
    public void A_null_empty_or_blank_caption_is_skipped(string? caption) =>
        Assert.Equal(RowSkipReason.EmptyCaption, Reason(Jpeg, caption));

    [Fact]
    public void A_caption_over_the_length_limit_is_skipped_and_one_at_it_is_kept()
    {
        Assert.Equal(RowSkipReason.CaptionTooLong, Reason(Jpeg, new string('a', RowDecoder.MaxCaptionChars + 1)));
        Assert.Null(Reason(Jpeg, new string('a', RowDecoder.MaxCaptionChars)));
    }

    [Fact]
    public void A_caption_that_was_not_utf8_is_skipped()
    {
        // 0xC3 starts a two-byte sequence that 0x28 does not continue: the decoder Parquet.Net uses
        // gives U+FFFD there.
        string caption = Encoding.UTF8.GetString([(byte)'a', 0xC3, 0x28, (byte)'b']);

        Assert.Equal(RowSkipReason.InvalidCaption, Reason(Jpeg, caption));
        Assert.Null(Reason(Jpeg, "a café, 東京, 🙂"));
    }

    [Fact]
    public void A_missing_image_is_reported_before_the_caption()
    {
        Assert.Equal(RowSkipReason.MissingImage, Reason(null, null));
        Assert.Equal(RowSkipReason.MissingImage, Reason([], "a cat"));
    }

    [Fact]
    public void Bytes_that_are_not_an_image_or_are_cut_are_skipped()
    {
        byte[] noisy = TestImages.NoisyJpeg(64, 64);

        Assert.Equal(RowSkipReason.Undecodable, Reason(Encoding.UTF8.GetBytes("<html>404 not found</html>"), "a cat"));
        Assert.Equal(RowSkipReason.TruncatedImage, Reason(noisy[..(noisy.Length / 2)], "a cat"));
    }

    [Fact]
    public void The_span_overload_writes_what_the_array_overload_returns()
    {
        Assert.True(RowDecoder.TryDecode(Jpeg, "a cat", 16, out float[]? expected, out _));
        var slot = new float[(3 * 16 * 16) + 5];

        Assert.True(RowDecoder.TryDecode(Jpeg, "a cat", 16, ImageDecoder.DefaultMaxPixels, slot.AsSpan(5), out _));

        Assert.Equal(expected, slot[5..]);
    }

    [Fact]
    public void A_skipped_row_is_logged_with_shard_row_and_reason()
    {
        var lines = new List<string>();
        var skips = new SkipCounter(lines.Add);
        RowSkipReason reason = Reason(PngFile.HeaderOnly(100_000, 100_000), "a cat")!.Value;

        skips.Record(reason, "/data/shard-00003.parquet", 17);

        Assert.Equal(1, skips.Count(RowSkipReason.ImageTooLarge));
        Assert.Equal("Skipped row 17 of shard /data/shard-00003.parquet: ImageTooLarge.", Assert.Single(lines));
    }

    private static RowSkipReason? Reason(byte[]? image, string? caption) =>
        RowDecoder.TryDecode(image, caption, 16, out _, out RowSkipReason reason) ? null : reason;
}
