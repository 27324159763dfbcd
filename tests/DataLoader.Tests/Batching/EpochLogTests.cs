using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Batching;
using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Filtering;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Tests.Filtering;
using Orchestrator.DataLoader.Tests.Shards;
using Orchestrator.DataLoader.Text;

namespace Orchestrator.DataLoader.Tests.Batching;

/// <summary>Whole epochs logged by sample key: resume and world-size changes read exactly what an unbroken single-worker run reads.</summary>
public sealed class EpochLogTests
{
    private const int GlobalBatch = 8;
    private const int MicroBatch = 2;
    private const int ImageSize = 8;

    [Fact]
    public async Task Resume_and_world_sizes_1_2_4_mid_epoch_lose_and_repeat_no_row()
    {
        using var folder = new TemporaryFolder();
        await ShardFiles.WriteAsync(folder.File("00000.parquet"), 0, rows: 40, rowGroupSize: 8);
        await ShardFiles.WriteAsync(folder.File("00001.parquet"), 40, rows: 24, rowGroupSize: 8);
        DatasetSource[] sources = [new DatasetSource { Shards = folder.Path }];

        // Two epochs of 8 steps: the world grows mid-epoch 1 (1, 2, 4), shrinks mid-epoch 2 (4 to 2),
        // and the run restarts mid-epoch, at the epoch boundary and right after a change.
        List<string> unbroken = await LogAsync(sources, _ => 1, resumeAt: [], steps: 16);
        List<string> elastic = await LogAsync(
            sources, step => step < 3 ? 1 : step < 5 ? 2 : step < 11 ? 4 : 2, resumeAt: [3, 5, 6, 8, 11, 13], steps: 16);

        string[] all = [.. Enumerable.Range(0, 64).Select(i => ShardFiles.Row(i).Key)];
        Assert.Equal(128, unbroken.Count);
        Assert.Equal(all, unbroken.Take(64).Order());
        Assert.Equal(all, unbroken.Skip(64).Order());
        Assert.NotEqual(unbroken.Take(64), unbroken.Skip(64));
        Assert.Equal(unbroken, elastic);
    }

    [Fact]
    public async Task With_filtered_and_broken_rows_and_two_mixed_datasets_every_world_size_reads_the_same_full_batches()
    {
        using var folder = new TemporaryFolder();
        string first = Directory.CreateDirectory(Path.Combine(folder.Path, "first")).FullName;
        string second = Directory.CreateDirectory(Path.Combine(folder.Path, "second")).FullName;
        ShardRow[] rows = [.. Enumerable.Range(0, 32).Select(i => ShardFiles.Row(i))];
        rows[3] = rows[3] with { Image = [1, 2, 3] };
        rows[10] = rows[10] with { Image = null };
        rows[17] = rows[17] with { Caption = "" };
        await ShardWriter.WriteAsync(Path.Combine(first, "00000.parquet"), rows, rowGroupSize: 8);
        double?[] widths = [.. Enumerable.Range(0, 24).Select(i => i % 5 == 0 ? 10.0 : (double?)100)];
        await MetadataShard.WriteAsync(Path.Combine(second, "00000.parquet"), 24, 6, [new MetadataColumn("width", typeof(long), true, widths)], firstIndex: 100);
        DatasetSource[] sources =
        [
            new DatasetSource { Shards = first, Weight = 2 },
            new DatasetSource { Shards = second, Weight = 1, Filters = new DatasetFilters { MinWidth = 50 } },
        ];

        List<string> one = await LogAsync(sources, _ => 1, resumeAt: [], steps: 14);
        List<string> two = await LogAsync(sources, _ => 2, resumeAt: [7], steps: 14);
        List<string> four = await LogAsync(sources, step => step % 2 == 0 ? 4 : 2, resumeAt: [1, 2, 9], steps: 14);

        Assert.Equal(14 * GlobalBatch, one.Count);
        Assert.Equal(one, two);
        Assert.Equal(one, four);
        string[] unusable = ["000000003", "000000010", "000000017", .. Enumerable.Range(0, 24).Where(i => i % 5 == 0).Select(i => ShardFiles.Row(100 + i).Key)];
        Assert.DoesNotContain(one, unusable.Contains);
    }

    [Fact]
    public async Task A_dataset_with_no_usable_row_fails_with_a_clear_error_after_the_allowed_attempts()
    {
        using var folder = new TemporaryFolder();
        await MetadataShard.WriteAsync(folder.File("00000.parquet"), 16, 4, [new MetadataColumn("punsafe", typeof(double), false, [.. Enumerable.Repeat<double?>(0.9, 16)])]);
        ShardCatalog catalog = await ShardCatalog.OpenAsync(
            [new DatasetSource { Shards = folder.Path, Filters = new DatasetFilters { MaxPunsafe = 0.5 } }]);
        var filtered = new FilterCounter();
        var source = new BatchSource(catalog, SamplePlan.For(catalog, GlobalBatch, 1), ImageSize, new CaptionTokenizer(64, 4), 1, new SkipCounter(),
            filtered: filtered, maxAttempts: 6);

        var e = await Assert.ThrowsAsync<ReplacementExhaustedException>(() => source.ReadAsync(2, 0, GlobalBatch));

        Assert.Contains("Step 2, position 0", e.Message, StringComparison.Ordinal);
        Assert.Contains("6 attempts", e.Message, StringComparison.Ordinal);
        Assert.Contains("MaxPunsafe", e.Message, StringComparison.Ordinal);
        Assert.Equal(6 * GlobalBatch, filtered.Count(RowFilter.MaxPunsafe));
    }

    // Keys of steps [0, steps) in position order, each step read as the worker slices of worldSize(step)
    // in rank order; at each step of resumeAt the catalog, plan and source are made afresh (a restart).
    private static async Task<List<string>> LogAsync(
        IReadOnlyList<DatasetSource> sources, Func<long, int> worldSize, IReadOnlyCollection<long> resumeAt, long steps = -1)
    {
        BatchSource source = await OpenAsync(sources);
        long end = steps >= 0 ? steps : source.Plan.StepsPerEpoch;
        var keys = new List<string>();
        for (long step = 0; step < end; step++)
        {
            if (resumeAt.Contains(step))
            {
                source = await OpenAsync(sources);
            }

            int world = worldSize(step);
            var stepKeys = new List<string>();
            for (int rank = 0; rank < world; rank++)
            {
                (int start, int count) = source.Plan.WorkerSlice(rank, world, MicroBatch);
                using TrainingBatch batch = await source.ReadAsync(step, start, count);
                Assert.Equal(count, batch.Count);
                stepKeys.AddRange(batch.Keys);
            }

            Assert.Equal(GlobalBatch, stepKeys.Count);
            keys.AddRange(stepKeys);
        }

        return keys;
    }

    private static async Task<BatchSource> OpenAsync(IReadOnlyList<DatasetSource> sources)
    {
        ShardCatalog catalog = await ShardCatalog.OpenAsync(sources);
        return new BatchSource(
            catalog, SamplePlan.For(catalog, GlobalBatch, seed: 9), ImageSize, new CaptionTokenizer(64, 4), decodeThreads: 2, new SkipCounter());
    }
}
