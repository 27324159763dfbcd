using Orchestrator.DataLoader.Sampling;

namespace Orchestrator.DataLoader.Tests.Sampling;

public sealed class SamplePlanTests
{
    [Fact]
    public void Over_one_epoch_every_row_is_read_exactly_once()
    {
        var plan = new SamplePlan(totalRows: 1000, globalBatch: 50, seed: 7, blockSize: 64);
        Assert.Equal(20, plan.StepsPerEpoch);

        long[] rows = RowsOf(plan, 0, plan.StepsPerEpoch);

        Assert.Equal(Enumerable.Range(0, 1000).Select(r => (long)r), rows.Order());
    }

    [Fact]
    public void A_batch_size_not_dividing_the_rows_drops_the_tail_and_repeats_nothing()
    {
        var plan = new SamplePlan(totalRows: 1000, globalBatch: 64, seed: 7, blockSize: 100);
        Assert.Equal(15, plan.StepsPerEpoch);

        long[] rows = RowsOf(plan, 0, plan.StepsPerEpoch);

        Assert.Equal(960, rows.Length);
        Assert.Equal(960, rows.Distinct().Count());
        Assert.All(rows, r => Assert.InRange(r, 0, 999));
        Assert.Equal(1, plan.Epoch(15));
    }

    [Fact]
    public void World_size_changing_from_two_to_one_mid_epoch_reads_each_row_once()
    {
        var plan = new SamplePlan(totalRows: 960, globalBatch: 32, seed: 3, blockSize: 50);
        var seen = new List<long>();
        for (long step = 0; step < plan.StepsPerEpoch; step++)
        {
            int worldSize = step < 13 ? 2 : 1;
            for (int rank = 0; rank < worldSize; rank++)
            {
                (int start, int count) = plan.WorkerSlice(rank, worldSize, microBatch: 4);
                for (int p = start; p < start + count; p++)
                {
                    seen.Add(plan.RowAt(step, p));
                }
            }
        }

        Assert.Equal(Enumerable.Range(0, 960).Select(r => (long)r), seen.Order());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(12)]
    [InlineData(20)]
    public void Worker_slices_tile_the_global_batch_in_whole_micro_batches(int worldSize)
    {
        var plan = new SamplePlan(totalRows: 480, globalBatch: 48, seed: 1, blockSize: 16);
        var slices = Enumerable.Range(0, worldSize).Select(rank => plan.WorkerSlice(rank, worldSize, microBatch: 4)).ToArray();

        int next = 0;
        foreach ((int start, int count) in slices)
        {
            Assert.Equal(next, start);
            Assert.Equal(0, count % 4);
            next += count;
        }

        Assert.Equal(48, next);
        Assert.InRange(slices.Max(s => s.Count) - slices.Min(s => s.Count), 0, 4);
    }

    [Fact]
    public void A_micro_batch_not_dividing_the_global_batch_is_refused()
    {
        var plan = new SamplePlan(totalRows: 480, globalBatch: 48, seed: 1, blockSize: 16);

        Assert.Throws<ArgumentException>(() => plan.WorkerSlice(0, 2, microBatch: 5));
    }

    [Fact]
    public void The_permutation_differs_per_epoch_and_is_block_wise()
    {
        const int blockSize = 100;
        var plan = new SamplePlan(totalRows: 1000, globalBatch: 100, seed: 11, blockSize: blockSize);

        long[] first = RowsOf(plan, 0, 10);
        long[] second = RowsOf(plan, 10, 20);

        Assert.NotEqual(first, second);
        Assert.Equal(first.Order(), second.Order());
        foreach (long[] epoch in new[] { first, second })
        {
            long[][] blocks = epoch.Chunk(blockSize).ToArray();

            // Each run of blockSize positions is one whole block, rows shuffled within it ...
            Assert.All(blocks, b => Assert.Single(b.Select(r => r / blockSize).Distinct()));
            Assert.All(blocks, b => Assert.Equal(blockSize, b.Distinct().Count()));
            Assert.Contains(blocks, b => !b.SequenceEqual(b.Order()));

            // ... and the blocks come in a shuffled order.
            long[] blockOrder = blocks.Select(b => b[0] / blockSize).ToArray();
            Assert.NotEqual(blockOrder.Order(), blockOrder);
        }
    }

    [Fact]
    public void A_short_last_block_lands_anywhere_and_the_epoch_is_still_a_permutation()
    {
        for (long seed = 0; seed < 20; seed++)
        {
            var plan = new SamplePlan(totalRows: 103, globalBatch: 103, seed: seed, blockSize: 10);

            Assert.Equal(Enumerable.Range(0, 103).Select(r => (long)r), RowsOf(plan, 0, 1).Order());
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_plan_and_another_seed_another()
    {
        long[] a = RowsOf(new SamplePlan(500, 50, 5, 20), 0, 10);
        long[] b = RowsOf(new SamplePlan(500, 50, 5, 20), 0, 10);
        long[] c = RowsOf(new SamplePlan(500, 50, 6, 20), 0, 10);

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void The_sample_index_is_step_times_batch_plus_position()
    {
        var plan = new SamplePlan(totalRows: 100, globalBatch: 8, seed: 0, blockSize: 10);

        Assert.Equal((37 * 8) + 5, plan.SampleIndex(37, 5));
    }

    [Fact]
    public void Fewer_rows_than_one_batch_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new SamplePlan(totalRows: 5, globalBatch: 8, seed: 0, blockSize: 10));

        Assert.Contains("5 rows", e.Message, StringComparison.Ordinal);
    }

    private static long[] RowsOf(SamplePlan plan, long fromStep, long toStep)
    {
        var rows = new List<long>();
        for (long step = fromStep; step < toStep; step++)
        {
            for (int p = 0; p < plan.GlobalBatch; p++)
            {
                rows.Add(plan.RowAt(step, p));
            }
        }

        return [.. rows];
    }
}
