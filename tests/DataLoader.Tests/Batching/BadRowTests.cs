using System.Text;
using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Batching;
using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Tests.Decoding;
using Orchestrator.DataLoader.Tests.Shards;
using Orchestrator.DataLoader.Text;
using Parquet;
using Parquet.Schema;
using SkiaSharp;

namespace Orchestrator.DataLoader.Tests.Batching;

/// <summary>
/// Each kind of row of issue 3's list, as row 1 of a four-row shard read by training: a bad row is
/// counted under its reason, logged as "Skipped row 1 of shard PATH: Reason." and replaced; an unusual
/// but valid image is decoded into its slot as the decoder alone decodes it (ImageDecoderTests and
/// BadImageTests check those pixels against their colours).
/// </summary>
public sealed class BadRowTests
{
    private const int Size = 16;

    [Theory]
    [InlineData("null image", nameof(RowSkipReason.MissingImage))]
    [InlineData("empty image", nameof(RowSkipReason.MissingImage))]
    [InlineData("html instead of an image", nameof(RowSkipReason.Undecodable))]
    [InlineData("cut baseline jpeg", nameof(RowSkipReason.TruncatedImage))]
    [InlineData("cut progressive jpeg", nameof(RowSkipReason.TruncatedImage))]
    [InlineData("png header claiming 100000 x 100000", nameof(RowSkipReason.ImageTooLarge))]
    [InlineData("jpeg header claiming 60000 x 60000", nameof(RowSkipReason.ImageTooLarge))]
    [InlineData("6 px wide image", nameof(RowSkipReason.ImageTooSmall))]
    [InlineData("null caption", nameof(RowSkipReason.EmptyCaption))]
    [InlineData("empty caption", nameof(RowSkipReason.EmptyCaption))]
    [InlineData("blank caption", nameof(RowSkipReason.EmptyCaption))]
    [InlineData("caption of 4097 characters", nameof(RowSkipReason.CaptionTooLong))]
    public async Task A_bad_row_is_counted_logged_with_shard_row_and_reason_and_replaced(string row, string reason)
    {
        using var folder = new TemporaryFolder();
        string shard = folder.File("00000.parquet");
        ShardRow good = ShardFiles.Row(1);
        ShardRow bad = row switch
        {
            "null image" => good with { Image = null },
            "empty image" => good with { Image = [] },
            "html instead of an image" => good with { Image = Encoding.UTF8.GetBytes("<html><body>404 Not Found</body></html>") },
            "cut baseline jpeg" => good with { Image = TestImages.NoisyJpeg(64, 64)[..1200] },
            "cut progressive jpeg" => good with { Image = PilFixtures.Progressive[..^12] },
            "png header claiming 100000 x 100000" => good with { Image = PngFile.HeaderOnly(100_000, 100_000) },
            "jpeg header claiming 60000 x 60000" => good with { Image = TestImages.WithFrameSize(TestImages.Jpeg(64, 48), 60_000, 60_000) },
            "6 px wide image" => good with { Image = TestImages.Jpeg(6, 30) },
            "null caption" => good with { Caption = null },
            "empty caption" => good with { Caption = "" },
            "blank caption" => good with { Caption = " \t\n" },
            "caption of 4097 characters" => good with { Caption = new string('a', RowDecoder.MaxCaptionChars + 1) },
            _ => throw new ArgumentOutOfRangeException(nameof(row), row, "no such case"),
        };
        await ShardWriter.WriteAsync(shard, [ShardFiles.Row(0), bad, ShardFiles.Row(2), ShardFiles.Row(3)], rowGroupSize: 4);

        (TrainingBatch batch, SkipCounter skips, List<string> log) = await ReadAllRowsAsync(folder);

        using (batch)
        {
            Assert.Equal(4, batch.Count);
            Assert.DoesNotContain(good.Key, batch.Keys);
            RowSkipReason expected = Enum.Parse<RowSkipReason>(reason);
            Assert.InRange(skips.Count(expected), 1, 8);
            Assert.Equal(skips.Count(expected), skips.Total);
            Assert.NotEmpty(log);
            Assert.All(log, line => Assert.Equal($"Skipped row 1 of shard {shard}: {reason}.", line));
        }
    }

    [Fact]
    public async Task A_caption_that_is_not_utf8_in_the_file_is_counted_logged_and_replaced()
    {
        using var folder = new TemporaryFolder();
        string shard = folder.File("00000.parquet");
        const string Marker = "<<not-utf8>>";
        var key = new DataField<string>("key", false);
        var caption = new DataField<string>("caption", true);
        var image = new DataField<byte[]>("jpg", true);
        ShardRow[] rows = [.. Enumerable.Range(0, 4).Select(i => ShardFiles.Row(i))];
        await using (FileStream stream = File.Create(shard))
        {
            // Uncompressed, so that the caption's bytes can be found and changed in the file.
            var options = new ParquetOptions { CompressionMethod = CompressionMethod.None };
            await using ParquetWriter writer = await ParquetWriter.CreateAsync(new ParquetSchema(key, caption, image), stream, options);
            using ParquetRowGroupWriter group = writer.CreateRowGroup();
            await group.WriteAsync(key, rows.Select(r => r.Key).ToArray(), null);
            await group.WriteAsync(caption, rows.Select((r, i) => i == 1 ? $"a caption {Marker}" : r.Caption).ToArray(), null);
            await group.WriteAsync(image, rows.Select(r => r.Image).ToArray(), null);
        }

        // "<<" becomes 0xC3 0x28: a two-byte sequence that its second byte does not continue.
        byte[] bytes = await File.ReadAllBytesAsync(shard);
        byte[] marker = Encoding.ASCII.GetBytes(Marker);
        int patched = 0;
        int at;
        while ((at = bytes.AsSpan().IndexOf(marker)) >= 0)
        {
            bytes[at] = 0xC3;
            bytes[at + 1] = 0x28;
            patched++;
        }

        Assert.InRange(patched, 1, 3);
        await File.WriteAllBytesAsync(shard, bytes);

        (TrainingBatch batch, SkipCounter skips, List<string> log) = await ReadAllRowsAsync(folder);

        using (batch)
        {
            Assert.Equal(4, batch.Count);
            Assert.DoesNotContain(rows[1].Key, batch.Keys);
            Assert.InRange(skips.Count(RowSkipReason.InvalidCaption), 1, 8);
            Assert.All(log, line => Assert.Equal($"Skipped row 1 of shard {shard}: InvalidCaption.", line));
        }
    }

    [Theory]
    [InlineData("cmyk jpeg")]
    [InlineData("progressive jpeg")]
    [InlineData("grayscale jpeg")]
    [InlineData("grayscale png")]
    [InlineData("palette png")]
    [InlineData("16-bit png")]
    [InlineData("alpha png")]
    [InlineData("exif-rotated jpeg")]
    public async Task An_unusual_but_valid_image_is_decoded_into_its_slot_as_the_decoder_gives_it(string row)
    {
        using var folder = new TemporaryFolder();
        byte[] encoded = row switch
        {
            "cmyk jpeg" => PilFixtures.Cmyk,
            "progressive jpeg" => PilFixtures.Progressive,
            "grayscale jpeg" => PilFixtures.Grayscale,
            "grayscale png" => PngFile.Write(32, 32, 8, PngFile.Grayscale, [.. Enumerable.Repeat(Enumerable.Range(0, 32).Select(x => (byte)(x * 8)).ToArray(), 32)]),
            "palette png" => PngFile.Write(32, 32, 8, PngFile.Palette, [.. Enumerable.Repeat(Enumerable.Range(0, 32).Select(x => (byte)(x / 16)).ToArray(), 32)], [255, 0, 0, 0, 255, 0]),
            "16-bit png" => PngFile.Write(32, 32, 16, PngFile.Rgb, [.. Enumerable.Repeat(Enumerable.Range(0, 32).SelectMany(x => new byte[] { 0xFF, 0xFF, 0, 0, (byte)(x * 8), 0 }).ToArray(), 32)]),
            "alpha png" => PngFile.Write(32, 32, 8, PngFile.Rgba, [.. Enumerable.Repeat(Enumerable.Range(0, 32).SelectMany(x => new byte[] { 255, 0, 0, (byte)(x * 8) }).ToArray(), 32)]),
            "exif-rotated jpeg" => TestImages.WithExifOrientation(TestImages.Encode(40, 20, SKColors.Red, SKColors.Blue, SKEncodedImageFormat.Jpeg), 6),
            _ => throw new ArgumentOutOfRangeException(nameof(row), row, "no such case"),
        };
        ShardRow unusual = ShardFiles.Row(1) with { Image = encoded };
        await ShardWriter.WriteAsync(folder.File("00000.parquet"), [ShardFiles.Row(0), unusual, ShardFiles.Row(2), ShardFiles.Row(3)], rowGroupSize: 4);

        (TrainingBatch batch, SkipCounter skips, List<string> log) = await ReadAllRowsAsync(folder);

        using (batch)
        {
            Assert.Equal(0, skips.Total);
            Assert.Empty(log);
            int slot = Array.IndexOf(batch.Keys, unusual.Key);
            Assert.True(RowDecoder.TryDecode(encoded, unusual.Caption, Size, out float[]? expected, out _));
            Assert.Equal(expected, batch.Images[slot].flatten().data<float>().ToArray());
        }
    }

    // Step 0 of a plan over the shard's four rows with a global batch of 4: every row is planned once.
    private static async Task<(TrainingBatch Batch, SkipCounter Skips, List<string> Log)> ReadAllRowsAsync(TemporaryFolder folder)
    {
        ShardCatalog catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]);
        var log = new List<string>();
        var skips = new SkipCounter(line => { lock (log) { log.Add(line); } });
        var plan = new SamplePlan(catalog.TotalRows, globalBatch: 4, seed: 11, blockSize: 4);
        var source = new BatchSource(catalog, plan, Size, new CaptionTokenizer(256, 10), decodeThreads: 2, skips);
        TrainingBatch batch = await source.ReadAsync(step: 0, start: 0, count: 4);
        return (batch, skips, log);
    }
}
