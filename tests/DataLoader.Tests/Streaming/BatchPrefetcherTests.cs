using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Batching;
using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Streaming;
using Orchestrator.DataLoader.Tests.Shards;
using Orchestrator.DataLoader.Text;

namespace Orchestrator.DataLoader.Tests.Streaming;

public sealed class BatchPrefetcherTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Prefetched_batches_are_the_directly_read_ones_in_step_order_and_never_more_than_the_depth(int depth)
    {
        using var folder = new TemporaryFolder();
        BatchSource source = await OpenAsync(folder);
        var prefetched = new List<string>();
        await using (var prefetcher = new BatchPrefetcher(source, firstStep: 2, endStep: 9, start: 2, count: 4, depth))
        {
            for (long step = 2; step < 9; step++)
            {
                Assert.InRange(prefetcher.QueueDepth, 0, depth);
                using TrainingBatch batch = await prefetcher.NextAsync(step);
                Assert.Equal(step, batch.Step);
                prefetched.AddRange(batch.Keys);
            }
        }

        var direct = new List<string>();
        for (long step = 2; step < 9; step++)
        {
            using TrainingBatch batch = await source.ReadAsync(step, 2, 4);
            direct.AddRange(batch.Keys);
        }

        Assert.Equal(direct, prefetched);
    }

    [Fact]
    public async Task The_next_batches_are_read_while_the_trainer_computes_a_step()
    {
        using var folder = new TemporaryFolder();
        BatchSource source = await OpenAsync(folder);
        await using var prefetcher = new BatchPrefetcher(source, firstStep: 0, endStep: 5, start: 0, count: 8, depth: 2);

        // Before the trainer asks, and again while it holds step 0 (its "compute"), the reader fills the queue.
        await WaitUntilAsync(() => prefetcher.QueueDepth == 2, "two batches read ahead before the first is asked for");
        using (TrainingBatch first = await prefetcher.NextAsync(0))
        {
            Assert.Equal(0, first.Step);
            await WaitUntilAsync(() => prefetcher.QueueDepth == 2, "steps 1 and 2 read while step 0 is held");
        }

        using TrainingBatch second = await prefetcher.NextAsync(1);
        Assert.Equal(1, second.Step);
    }

    [Fact]
    public async Task Asking_for_a_step_out_of_order_is_an_error_that_says_to_start_a_new_prefetcher()
    {
        using var folder = new TemporaryFolder();
        BatchSource source = await OpenAsync(folder);
        await using var prefetcher = new BatchPrefetcher(source, firstStep: 0, endStep: 5, start: 0, count: 8, depth: 2);

        var e = await Assert.ThrowsAsync<ArgumentException>(() => prefetcher.NextAsync(3));

        Assert.Contains("at step 0", e.Message, StringComparison.Ordinal);
        Assert.Contains("new prefetcher", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_read_ahead_reaches_the_trainer_as_its_own_error()
    {
        using var folder = new TemporaryFolder();
        string shard = folder.File("00000.parquet");
        await ShardFiles.WriteAsync(shard, 0, rows: 16, rowGroupSize: 4);
        ShardCatalog catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]);
        File.Delete(shard);
        var source = new BatchSource(catalog, SamplePlan.For(catalog, 8, 1), 8, new CaptionTokenizer(64, 4), 1, new SkipCounter(), maxAttempts: 3);
        await using var prefetcher = new BatchPrefetcher(source, firstStep: 0, endStep: 4, start: 0, count: 8, depth: 2);

        var e = await Assert.ThrowsAsync<ReplacementExhaustedException>(() => prefetcher.NextAsync(0));

        Assert.Contains("UnreadableRowGroup", e.Message, StringComparison.Ordinal);
    }

    private static async Task<BatchSource> OpenAsync(TemporaryFolder folder)
    {
        await ShardFiles.WriteAsync(folder.File("00000.parquet"), 0, rows: 40, rowGroupSize: 8);
        ShardCatalog catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = folder.Path }]);
        return new BatchSource(catalog, SamplePlan.For(catalog, 8, seed: 6), 8, new CaptionTokenizer(64, 4), decodeThreads: 2, new SkipCounter());
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var limit = TimeSpan.FromSeconds(60);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < limit, $"waited {limit.TotalSeconds} s for {what}");
            await Task.Delay(10);
        }
    }
}
