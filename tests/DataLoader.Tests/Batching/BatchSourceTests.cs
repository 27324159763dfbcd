using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Batching;
using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Tests.Shards;
using Orchestrator.DataLoader.Text;

namespace Orchestrator.DataLoader.Tests.Batching;

public sealed class BatchSourceTests
{
    private const int Size = 16;

    [Fact]
    public async Task Bad_rows_are_counted_by_reason_and_replaced_by_usable_rows_of_the_dataset()
    {
        using var folder = new TemporaryFolder();
        string shard = folder.File("00000.parquet");
        byte[] truncated = TestImages.NoisyJpeg(64, 64);
        ShardRow[] rows =
        [
            ShardFiles.Row(0),
            ShardFiles.Row(1),
            ShardFiles.Row(2) with { Image = [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 13))] },
            ShardFiles.Row(3),
            new ShardRow("000000004", "a caption", null) { ErrorMessage = "HTTP 404" },
            ShardFiles.Row(5),
            ShardFiles.Row(6) with { Image = truncated[..(truncated.Length / 2)] },
            ShardFiles.Row(7) with { Caption = "  " },
        ];
        await ShardWriter.WriteAsync(shard, rows, rowGroupSize: 3);
        ShardCatalog catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]);
        var log = new List<string>();
        var skips = new SkipCounter(line => { lock (log) { log.Add(line); } });
        var plan = new SamplePlan(catalog.TotalRows, globalBatch: 8, seed: 2, blockSize: 4);
        var source = new BatchSource(catalog, plan, Size, new CaptionTokenizer(256, 10), decodeThreads: 2, skips);

        using TrainingBatch batch = await source.ReadAsync(step: 0, start: 0, count: 8);

        string[] usable = ["000000000", "000000001", "000000003", "000000005"];
        Assert.Equal(8, batch.Count);
        Assert.Equal(usable, batch.Keys.Distinct().Order());
        Assert.Equal(Enumerable.Range(0, 8).Select(p => (long)p), batch.SampleIndices);
        Assert.Equal([8L, 3, 1, Size, Size], batch.Images.shape);
        Assert.Equal([8L, 10], batch.Tokens.shape);
        Assert.Equal(TorchSharp.torch.ScalarType.Float32, batch.Images.dtype);
        Assert.Equal(TorchSharp.torch.ScalarType.Int64, batch.Tokens.dtype);
        Assert.InRange(skips.Count(RowSkipReason.Undecodable), 1, 1000);
        Assert.InRange(skips.Count(RowSkipReason.MissingImage), 1, 1000);
        Assert.InRange(skips.Count(RowSkipReason.TruncatedImage), 1, 1000);
        Assert.InRange(skips.Count(RowSkipReason.EmptyCaption), 1, 1000);
        Assert.Equal(skips.Total, log.Count);
        Assert.All(log, line => Assert.Contains(shard, line, StringComparison.Ordinal));
        Assert.Contains(log, line => line.Contains("row 6 ", StringComparison.Ordinal) && line.Contains("TruncatedImage", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_batch_holds_the_planned_rows_with_their_pixels_tokens_and_sample_indices()
    {
        using var folder = new TemporaryFolder();
        await ShardFiles.WriteAsync(folder.File("00000.parquet"), 0, rows: 20, rowGroupSize: 6);
        await ShardFiles.WriteAsync(folder.File("00001.parquet"), 20, rows: 12, rowGroupSize: 6);
        ShardCatalog catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]);
        var plan = new SamplePlan(catalog.TotalRows, globalBatch: 8, seed: 4, blockSize: 10);
        var tokenizer = new CaptionTokenizer(256, 10);
        var source = new BatchSource(catalog, plan, Size, tokenizer, decodeThreads: 2, new SkipCounter());

        using TrainingBatch batch = await source.ReadAsync(step: 5, start: 2, count: 4);

        Assert.Equal(4, batch.Count);
        Assert.Equal(plan.Epoch(5), batch.Epoch);
        Assert.Equal([(5 * 8) + 2L, 43, 44, 45], batch.SampleIndices);
        for (int k = 0; k < 4; k++)
        {
            long row = plan.RowAt(5, 2 + k);
            ShardRow expected = ShardFiles.Row(row);
            Assert.Equal(expected.Key, batch.Keys[k]);
            Assert.Equal(expected.Caption, batch.Captions[k]);
            Assert.Equal(tokenizer.Encode(expected.Caption!), batch.Tokens[k].data<long>().ToArray());
            Assert.True(ImageTransform.TryLoad(expected.Image, Size, out float[]? chw, out _));
            Assert.Equal(chw, batch.Images[k].flatten().data<float>().ToArray());
        }
    }

    [Fact]
    public async Task Worker_parts_of_a_step_add_up_to_the_whole_step()
    {
        using var folder = new TemporaryFolder();
        await ShardFiles.WriteAsync(folder.File("00000.parquet"), 0, rows: 24, rowGroupSize: 5);
        ShardCatalog catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]);
        var plan = new SamplePlan(catalog.TotalRows, globalBatch: 12, seed: 8, blockSize: 6);
        var source = new BatchSource(catalog, plan, Size, new CaptionTokenizer(256, 10), decodeThreads: 2, new SkipCounter(), cachedRowGroups: 2);

        using TrainingBatch whole = await source.ReadAsync(step: 1, start: 0, count: 12);
        var parts = new List<string>();
        for (int rank = 0; rank < 3; rank++)
        {
            (int start, int count) = plan.WorkerSlice(rank, 3, microBatch: 2);
            using TrainingBatch part = await source.ReadAsync(step: 1, start, count);
            parts.AddRange(part.Keys);
        }

        Assert.Equal(whole.Keys, parts);
    }

    [Fact]
    public async Task An_unreadable_row_group_is_counted_with_its_file_and_row_group_and_its_rows_replaced()
    {
        using var folder = new TemporaryFolder();
        string shard = folder.File("00000.parquet");
        await ShardFiles.WriteAsync(shard, 0, rows: 8, rowGroupSize: 4);
        ShardCatalog catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]);
        await ShardFiles.WriteAsync(shard, 0, rows: 4, rowGroupSize: 4);
        var log = new List<string>();
        var skips = new SkipCounter(line => log.Add(line));
        var plan = new SamplePlan(catalog.TotalRows, globalBatch: 8, seed: 1, blockSize: 8);
        var source = new BatchSource(catalog, plan, Size, new CaptionTokenizer(256, 10), decodeThreads: 1, skips);

        using TrainingBatch batch = await source.ReadAsync(step: 0, start: 0, count: 8);

        Assert.Equal(8, batch.Count);
        Assert.All(batch.Keys, k => Assert.Contains(k, new[] { "000000000", "000000001", "000000002", "000000003" }));
        Assert.InRange(skips.Count(RowSkipReason.UnreadableRowGroup), 4, 1000);
        Assert.Contains(log, line => line.Contains($"Shard {shard}, row group 1", StringComparison.Ordinal));
    }

    // The shard goes bad after the catalog has opened it: its rows are counted and logged with the
    // file, row group and cause, and replaced by rows of the other shard; the run goes on.
    [Theory]
    [InlineData("deleted", "FileNotFoundException")]
    [InlineData("overwritten with text", "does not end with the Parquet magic PAR1")]
    [InlineData("footer damaged", "its metadata runs past its end")]
    public async Task A_shard_that_goes_bad_mid_run_is_logged_with_its_path_and_cause_and_its_rows_replaced(string change, string cause)
    {
        using var folder = new TemporaryFolder();
        string bad = folder.File("00000.parquet");
        await ShardFiles.WriteAsync(bad, 0, rows: 8, rowGroupSize: 4);
        await ShardFiles.WriteAsync(folder.File("00001.parquet"), 8, rows: 8, rowGroupSize: 4);
        // Written a minute ago, as far as the file system says: its footer check is remembered (ShardFile), so
        // the damaged footer below is caught only because the rewrite is a new version of the file.
        File.SetLastWriteTimeUtc(bad, DateTime.UtcNow.AddMinutes(-1));
        ShardCatalog catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]);
        if (change == "deleted")
        {
            File.Delete(bad);
        }
        else if (change == "overwritten with text")
        {
            await File.WriteAllTextAsync(bad, "this shard was replaced by something else");
        }
        else
        {
            await ShardFiles.DamageFooterAsync(bad, 0x19);
        }

        var log = new List<string>();
        var skips = new SkipCounter(line => { lock (log) { log.Add(line); } });
        var plan = new SamplePlan(catalog.TotalRows, globalBatch: 8, seed: 5, blockSize: 4);
        var source = new BatchSource(catalog, plan, Size, new CaptionTokenizer(256, 10), decodeThreads: 2, skips);

        using TrainingBatch batch = await source.ReadAsync(step: 0, start: 0, count: 8);

        Assert.Equal(8, batch.Count);
        Assert.All(batch.Keys, key => Assert.InRange(long.Parse(key, System.Globalization.CultureInfo.InvariantCulture), 8, 15));
        Assert.Equal(skips.Total, skips.Count(RowSkipReason.UnreadableRowGroup));
        Assert.InRange(skips.Total, 1, 1000);
        Assert.Equal(skips.Total, log.Count);
        Assert.All(log, line =>
        {
            Assert.StartsWith($"Skipped row ", line, StringComparison.Ordinal);
            Assert.Contains($" of shard {bad}: UnreadableRowGroup (Shard {bad}, row group ", line, StringComparison.Ordinal);
            Assert.Contains(cause, line, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Read_first_gives_the_first_usable_held_out_images()
    {
        using var folder = new TemporaryFolder();
        ShardRow[] rows = [ShardFiles.Row(0), new ShardRow("000000001", "gone", null), ShardFiles.Row(2), ShardFiles.Row(3)];
        await ShardWriter.WriteAsync(folder.File("00000.parquet"), rows, rowGroupSize: 2);
        ShardCatalog catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]);
        var skips = new SkipCounter();

        IReadOnlyList<HeldOutImage> images = await BatchSource.ReadFirstAsync(catalog, count: 2, Size, skips);

        Assert.Equal(["000000000", "000000002"], images.Select(i => i.Key));
        Assert.Equal(rows[2].Caption, images[1].Caption);
        Assert.All(images, i => Assert.Equal(3 * Size * Size, i.Chw.Length));
        Assert.Equal(1, skips.Count(RowSkipReason.MissingImage));
    }
}
