using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Batching;
using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Filtering;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Text;

namespace Orchestrator.DataLoader.Tests.Filtering;

public sealed class RowFilterTests
{
    private const int Rows = 8;

    // Rows 0-3 pass, 4-7 fail the filter under test (row 7 by a null cell where the column is nullable).
    public static TheoryData<RowFilter, string, DatasetFilters, double?[]> Cases => new()
    {
        { RowFilter.MinWidth, "width", new DatasetFilters { MinWidth = 64 }, [64, 100, 64, 512, 63, 10, 0, null] },
        { RowFilter.MinHeight, "height", new DatasetFilters { MinHeight = 32 }, [32, 33, 40, 1000, 31, 1, 0, null] },
        { RowFilter.MinSimilarity, "similarity", new DatasetFilters { MinSimilarity = 0.3 }, [0.3, 0.31, 0.5, 0.9, 0.29, 0.1, -0.2, null] },
        { RowFilter.MaxPunsafe, "punsafe", new DatasetFilters { MaxPunsafe = 0.1 }, [0.1, 0.0, 0.05, 0.09, 0.11, 0.5, 1.0, null] },
        { RowFilter.MaxPwatermark, "pwatermark", new DatasetFilters { MaxPwatermark = 0.5 }, [0.5, 0.0, 0.2, 0.49, 0.51, 0.8, 1.0, null] },
        { RowFilter.MinAesthetic, "AESTHETIC_SCORE", new DatasetFilters { MinAesthetic = 5 }, [5, 6.5, 5.01, 9, 4.99, 3, 1, null] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_filter_keeps_the_passing_rows_and_counts_the_others_before_decoding(
        RowFilter filter, string column, DatasetFilters filters, double?[] values)
    {
        foreach (Type type in new[] { typeof(int), typeof(long), typeof(float), typeof(double) })
        {
            bool integral = type == typeof(int) || type == typeof(long);
            if (integral && values.Any(v => v is { } x && x != Math.Floor(x)))
            {
                continue;
            }

            foreach (bool nullable in new[] { true, false })
            {
                double?[] cells = nullable ? values : [.. values.Select(v => v ?? values[4])];
                (IReadOnlyList<string> keys, FilterCounter counter) = await ReadAllAsync(
                    filters, [new MetadataColumn(column, type, nullable, cells)]);

                Assert.Equal(["000000000", "000000001", "000000002", "000000003"], keys.Distinct().Order());
                Assert.True(counter.Count(filter) >= 4, $"{filter} on {type.Name} (nullable {nullable}) counted {counter.Describe()}");
                Assert.Equal(counter.Total, counter.Count(filter));
            }
        }
    }

    [Fact]
    public async Task The_status_filter_keeps_only_the_named_status()
    {
        string[] statuses = ["success", "success", "failed_to_download", "success", "failed_to_resize", "success", null!, "success"];
        (IReadOnlyList<string> keys, FilterCounter counter) = await ReadAllAsync(
            new DatasetFilters { Status = "success" }, [], statuses);

        Assert.Equal(["000000000", "000000001", "000000003", "000000005", "000000007"], keys.Distinct().Order());
        Assert.True(counter.Count(RowFilter.Status) >= 3);
        Assert.Equal(counter.Total, counter.Count(RowFilter.Status));
    }

    [Fact]
    public async Task Several_filters_leave_only_rows_passing_all_of_them()
    {
        MetadataColumn width = new("width", typeof(long), false, [100, 100, 10, 100, 100, 100, 100, 100]);
        MetadataColumn punsafe = new("punsafe", typeof(float), true, [0.0, 0.9, 0.0, 0.0, null, 0.0, 0.0, 0.0]);
        (IReadOnlyList<string> keys, FilterCounter counter) = await ReadAllAsync(
            new DatasetFilters { MinWidth = 50, MaxPunsafe = 0.2 }, [width, punsafe]);

        Assert.Equal(["000000000", "000000003", "000000005", "000000006", "000000007"], keys.Distinct().Order());
        Assert.True(counter.Count(RowFilter.MinWidth) >= 1);
        Assert.True(counter.Count(RowFilter.MaxPunsafe) >= 2);
    }

    [Fact]
    public async Task A_filter_on_a_column_the_shard_lacks_is_an_error_naming_shard_column_and_filter()
    {
        using var folder = new TemporaryFolder();
        string shard = folder.File("00000.parquet");
        await MetadataShard.WriteAsync(shard, Rows, 4, [new MetadataColumn("width", typeof(int), true, new double?[Rows])]);
        var source = new DatasetSource { Shards = folder.Path, Filters = new DatasetFilters { MinAesthetic = 5 } };

        var e = await Assert.ThrowsAsync<ShardException>(() => ShardCatalog.OpenAsync([source]));

        Assert.Equal(shard, e.ShardPath);
        Assert.Contains("MinAesthetic", e.Message, StringComparison.Ordinal);
        Assert.Contains("'AESTHETIC_SCORE'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_filter_on_a_column_of_the_wrong_type_is_an_error()
    {
        using var folder = new TemporaryFolder();
        string shard = folder.File("00000.parquet");
        await MetadataShard.WriteAsync(shard, Rows, 4, [], statuses: [.. Enumerable.Repeat("success", Rows)]);
        var source = new DatasetSource
        {
            Shards = folder.Path,
            Columns = new ColumnMap { Width = "status" },
            Filters = new DatasetFilters { MinWidth = 5 },
        };

        var e = await Assert.ThrowsAsync<ShardException>(() => ShardCatalog.OpenAsync([source]));

        Assert.Contains("MinWidth", e.Message, StringComparison.Ordinal);
        Assert.Contains("'status'", e.Message, StringComparison.Ordinal);
        Assert.Contains("number", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Held_out_images_pass_over_filtered_rows()
    {
        using var folder = new TemporaryFolder();
        await MetadataShard.WriteAsync(folder.File("00000.parquet"), Rows, 4,
            [new MetadataColumn("similarity", typeof(double), true, [0.1, 0.5, null, 0.5, 0.5, 0.5, 0.5, 0.5])]);
        var source = new DatasetSource { Shards = folder.Path, Filters = new DatasetFilters { MinSimilarity = 0.3 } };
        ShardCatalog catalog = await ShardCatalog.OpenAsync([source]);

        IReadOnlyList<HeldOutImage> images = await BatchSource.ReadFirstAsync(catalog, count: 2, imageSize: 8);

        Assert.Equal(["000000001", "000000003"], images.Select(i => i.Key));
    }

    // Every position of one epoch of 8 rows in a global batch of 8: the keys read, and the filter counts.
    private static async Task<(IReadOnlyList<string> Keys, FilterCounter Counter)> ReadAllAsync(
        DatasetFilters filters, IReadOnlyList<MetadataColumn> numbers, string[]? statuses = null)
    {
        using var folder = new TemporaryFolder();
        await MetadataShard.WriteAsync(folder.File("00000.parquet"), Rows, rowGroupSize: 4, numbers, statuses);
        ShardCatalog catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path, Filters = filters }]);
        var counter = new FilterCounter();
        var skips = new SkipCounter();
        var source = new BatchSource(
            catalog, SamplePlan.For(catalog, globalBatch: Rows, seed: 3), imageSize: 8, new CaptionTokenizer(64, 4),
            decodeThreads: 1, skips, filtered: counter);
        using TrainingBatch batch = await source.ReadAsync(step: 0, start: 0, count: Rows);
        Assert.Equal(Rows, batch.Count);
        Assert.Equal(0, skips.Total);
        return (batch.Keys, counter);
    }
}
