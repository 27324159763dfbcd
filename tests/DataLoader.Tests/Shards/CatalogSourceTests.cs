using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Batching;
using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Tests.Filtering;
using Orchestrator.DataLoader.Text;

namespace Orchestrator.DataLoader.Tests.Shards;

public sealed class CatalogSourceTests
{
    [Theory]
    [InlineData("txt")]
    [InlineData("TEXT")]
    public async Task An_absent_caption_column_falls_back_to_txt_then_LAIONs_TEXT(string column)
    {
        using var folder = new TemporaryFolder();
        await MetadataShard.WriteAsync(folder.File("00000.parquet"), 8, 4, [], captionColumn: column);
        ShardCatalog catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]);
        var source = new BatchSource(catalog, SamplePlan.For(catalog, 4, 1), 8, new CaptionTokenizer(64, 4), 1, new SkipCounter());

        using TrainingBatch batch = await source.ReadAsync(0, 0, 4);

        Assert.Equal(column, catalog.Shards[0].Columns.Caption);
        Assert.Equal(batch.Keys.Select(k => ShardFiles.Row(long.Parse(k, System.Globalization.CultureInfo.InvariantCulture)).Caption), batch.Captions);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_image_column_declared_optional_or_required_is_read(bool nullable)
    {
        using var folder = new TemporaryFolder();
        await MetadataShard.WriteAsync(folder.File("00000.parquet"), 8, 4, [], nullableImage: nullable);
        ShardCatalog catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]);
        var skips = new SkipCounter();
        var source = new BatchSource(catalog, SamplePlan.For(catalog, 8, 1), 8, new CaptionTokenizer(64, 4), 1, skips);

        using TrainingBatch batch = await source.ReadAsync(0, 0, 8);

        Assert.Equal(0, skips.Total);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => ShardFiles.Row(i).Key), batch.Keys.Order());
    }

    [Fact]
    public async Task A_shard_with_no_caption_column_names_the_mapped_column_and_the_fallbacks()
    {
        using var folder = new TemporaryFolder();
        string shard = folder.File("00000.parquet");
        await MetadataShard.WriteAsync(shard, 4, 4, [], captionColumn: "prompt");

        var e = await Assert.ThrowsAsync<ShardException>(() => ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]));

        Assert.Equal(shard, e.ShardPath);
        Assert.Contains("missing column 'caption'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'txt', 'TEXT'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sources_keep_their_row_ranges_weights_and_row_group_sizes()
    {
        using var folder = new TemporaryFolder();
        string a = Directory.CreateDirectory(Path.Combine(folder.Path, "a")).FullName;
        string b = Directory.CreateDirectory(Path.Combine(folder.Path, "b")).FullName;
        await ShardFiles.WriteAsync(Path.Combine(a, "00000.parquet"), 0, rows: 10, rowGroupSize: 5);
        await ShardFiles.WriteAsync(Path.Combine(b, "00000.parquet"), 10, rows: 7, rowGroupSize: 3);

        ShardCatalog catalog = await ShardCatalog.OpenAsync(
            [new DatasetSource { Shards = a, Weight = 2 }, new DatasetSource { Shards = b, Weight = 0.5 }]);
        SamplePlan plan = SamplePlan.For(catalog, 4, 1);

        Assert.Equal([(0L, 10L, 5), (10L, 7L, 3)], catalog.Sources.Select(s => (s.FirstRow, s.RowCount, s.LargestRowGroupRows)));
        Assert.Equal([new PlanDataset(0, 10, 2, 5), new PlanDataset(10, 7, 0.5, 3)], plan.Datasets);
        Assert.Equal([0, 1], catalog.Shards.Select(s => s.Source));
    }

    [Fact]
    public async Task A_shard_in_both_training_and_validation_is_an_error_naming_it()
    {
        using var folder = new TemporaryFolder();
        string train = Directory.CreateDirectory(Path.Combine(folder.Path, "train")).FullName;
        string validation = Directory.CreateDirectory(Path.Combine(folder.Path, "validation")).FullName;
        await ShardFiles.WriteAsync(Path.Combine(train, "00000.parquet"), 0, rows: 4, rowGroupSize: 4);
        await ShardFiles.WriteAsync(Path.Combine(train, "00001.parquet"), 4, rows: 4, rowGroupSize: 4);
        await ShardFiles.WriteAsync(Path.Combine(validation, "00000.parquet"), 8, rows: 4, rowGroupSize: 4);

        ShardCatalog.CheckDisjoint([new DatasetSource { Shards = train }], [new DatasetSource { Shards = validation }]);
        var e = Assert.Throws<ShardException>(() => ShardCatalog.CheckDisjoint(
            [new DatasetSource { Shards = train }],
            [new DatasetSource { Shards = validation }, new DatasetSource { Shards = Path.Combine(train, "*1.parquet") }]));

        Assert.Equal(Path.Combine(train, "00001.parquet"), e.ShardPath);
        Assert.Contains("both data.train and data.validation", e.Message, StringComparison.Ordinal);
    }
}
