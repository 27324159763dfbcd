using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Batching;
using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Text;

namespace Orchestrator.DataLoader.Tests.Shards;

public sealed class ShardCatalogTests
{
    [Fact]
    public async Task Row_counts_and_row_groups_come_from_the_footers()
    {
        using var folder = new TemporaryFolder();
        await ShardFiles.WriteAsync(folder.File("00000.parquet"), 0, rows: 13, rowGroupSize: 5);
        await ShardFiles.WriteAsync(folder.File("00001.parquet"), 13, rows: 7, rowGroupSize: 5);

        ShardCatalog catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]);

        Assert.Equal(20, catalog.TotalRows);
        Assert.Equal([5L, 5, 3], catalog.Shards[0].RowGroupRows);
        Assert.Equal([5L, 2], catalog.Shards[1].RowGroupRows);
        Assert.Equal(13, catalog.Shards[1].FirstRow);
        RowLocation last = catalog.Locate(12);
        Assert.Equal((0, 2, 2, 12L), (last.Shard.Index, last.RowGroup, last.RowInGroup, last.RowInShard));
        RowLocation next = catalog.Locate(19);
        Assert.Equal((1, 1, 1, 6L), (next.Shard.Index, next.RowGroup, next.RowInGroup, next.RowInShard));
    }

    [Fact]
    public async Task A_glob_takes_the_matching_files_sorted_by_name_across_sources()
    {
        using var folder = new TemporaryFolder();
        await ShardFiles.WriteAsync(folder.File("b-1.parquet"), 0, rows: 3, rowGroupSize: 2);
        await ShardFiles.WriteAsync(folder.File("a-2.parquet"), 3, rows: 4, rowGroupSize: 2);
        await ShardFiles.WriteAsync(folder.File("a-1.parquet"), 7, rows: 5, rowGroupSize: 2);

        ShardCatalog catalog = await ShardCatalog.OpenAsync(
        [
            new DatasetSource { Shards = Path.Combine(folder.Path, "a-*.parquet") },
            new DatasetSource { Shards = Path.Combine(folder.Path, "b-*.parquet") },
        ]);

        Assert.Equal(["a-1.parquet", "a-2.parquet", "b-1.parquet"], catalog.Shards.Select(s => Path.GetFileName(s.Path)));
        Assert.Equal(12, catalog.TotalRows);
        Assert.Equal(2, catalog.Locate(9).Shard.Index);
    }

    [Fact]
    public async Task A_missing_folder_is_an_error_naming_it()
    {
        using var folder = new TemporaryFolder();
        string missing = folder.File("nowhere");

        var e = await Assert.ThrowsAsync<ShardException>(() => ShardCatalog.OpenAsync([new DatasetSource { Shards = missing }]));

        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_without_parquet_files_is_an_error_naming_it()
    {
        using var folder = new TemporaryFolder();
        await File.WriteAllTextAsync(folder.File("readme.txt"), "no shards here");

        var e = await Assert.ThrowsAsync<ShardException>(() => ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]));

        Assert.Contains(folder.Path, e.Message, StringComparison.Ordinal);
        Assert.Contains("no .parquet files", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_parquet_is_an_error_naming_it()
    {
        using var folder = new TemporaryFolder();
        await ShardFiles.WriteAsync(folder.File("00000.parquet"), 0, rows: 3, rowGroupSize: 2);
        string bad = folder.File("00001.parquet");
        await File.WriteAllTextAsync(bad, "this is not a parquet file, only some text that is long enough");

        var e = await Assert.ThrowsAsync<ShardException>(() => ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]));

        Assert.Equal(bad, e.ShardPath);
        Assert.Contains(bad, e.Message, StringComparison.Ordinal);
        Assert.Contains("footer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_shard_is_an_error_naming_it()
    {
        using var folder = new TemporaryFolder();
        string shard = folder.File("00000.parquet");
        await ShardFiles.WriteAsync(shard, 0, rows: 6, rowGroupSize: 2);
        byte[] bytes = await File.ReadAllBytesAsync(shard);
        await File.WriteAllBytesAsync(shard, bytes[..(bytes.Length / 2)]);

        var e = await Assert.ThrowsAsync<ShardException>(() => ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]));

        Assert.Equal(shard, e.ShardPath);
        Assert.StartsWith($"Shard {shard}: cannot read the Parquet footer (", e.Message, StringComparison.Ordinal);
    }

    // 0x19 and 0xFF made Parquet.Net's Thrift reader read past the footer's end and loop there for
    // ever (ShardFile); zeros end the metadata early, and Parquet.Net fails on what is missing.
    [Theory]
    [InlineData(0x19, "is damaged: its metadata runs past its end")]
    [InlineData(0xFF, "is damaged: its metadata runs past its end")]
    [InlineData(0x00, "")]
    public async Task A_damaged_footer_is_an_error_naming_the_file_not_a_hang(byte filler, string reason)
    {
        using var folder = new TemporaryFolder();
        string shard = folder.File("00000.parquet");
        await ShardFiles.WriteAsync(shard, 0, rows: 6, rowGroupSize: 2);
        await ShardFiles.DamageFooterAsync(shard, filler);

        var e = await Assert.ThrowsAsync<ShardException>(() => ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]));

        Assert.Equal(shard, e.ShardPath);
        Assert.StartsWith($"Shard {shard}: cannot read the Parquet footer (", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_image_column_is_an_error_naming_the_file_and_column()
    {
        using var folder = new TemporaryFolder();
        string shard = folder.File("00000.parquet");
        await ShardFiles.WriteAsync(shard, 0, rows: 3, rowGroupSize: 2);
        var source = new DatasetSource { Shards = folder.Path, Columns = new ColumnMap { Image = "png" } };

        var e = await Assert.ThrowsAsync<ShardException>(() => ShardCatalog.OpenAsync([source]));

        Assert.Contains(shard, e.Message, StringComparison.Ordinal);
        Assert.Contains("missing column 'png'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_caption_column_of_the_wrong_type_is_an_error()
    {
        using var folder = new TemporaryFolder();
        await ShardFiles.WriteAsync(folder.File("00000.parquet"), 0, rows: 3, rowGroupSize: 2);
        var source = new DatasetSource { Shards = folder.Path, Columns = new ColumnMap { Caption = "width" } };

        var e = await Assert.ThrowsAsync<ShardException>(() => ShardCatalog.OpenAsync([source]));

        Assert.Contains("column 'width'", e.Message, StringComparison.Ordinal);
        Assert.Contains("expected a string column", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_shard_adds_no_rows_and_the_others_are_read()
    {
        using var folder = new TemporaryFolder();
        await ShardFiles.WriteAsync(folder.File("00000.parquet"), 0, rows: 5, rowGroupSize: 2);
        await ShardFiles.WriteAsync(folder.File("00001.parquet"), 5, rows: 0, rowGroupSize: 2);
        await ShardFiles.WriteAsync(folder.File("00002.parquet"), 5, rows: 3, rowGroupSize: 2);
        ShardCatalog catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]);
        var source = new BatchSource(catalog, SamplePlan.For(catalog, 8, seed: 1), 8, new CaptionTokenizer(64, 4), 1, new SkipCounter());

        using TrainingBatch batch = await source.ReadAsync(0, 0, 8);

        Assert.Equal(0, catalog.Shards[1].RowCount);
        Assert.Equal(8, catalog.TotalRows);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => ShardFiles.Row(i).Key), batch.Keys.Order());
    }

    [Fact]
    public async Task A_source_whose_shards_are_all_empty_is_an_error_naming_it()
    {
        using var folder = new TemporaryFolder();
        await ShardFiles.WriteAsync(folder.File("00000.parquet"), 0, rows: 0, rowGroupSize: 2);
        await ShardFiles.WriteAsync(folder.File("00001.parquet"), 0, rows: 0, rowGroupSize: 2);

        var e = await Assert.ThrowsAsync<ShardException>(() => ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]));

        Assert.Equal(folder.Path, e.ShardPath);
        Assert.Contains("2 shard file(s) hold no rows", e.Message, StringComparison.Ordinal);
    }
}
