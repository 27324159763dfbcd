using Orchestrator.DataLoader.Sampling;

namespace Orchestrator.DataLoader.Tests.Sampling;

public sealed class DatasetMixingTests
{
    private static SamplePlan TwoDatasets(long seed = 11) =>
        new([new PlanDataset(0, 1000, 3.0, 64), new PlanDataset(1000, 500, 1.0, 50)], globalBatch: 32, seed);

    [Fact]
    public void Datasets_are_drawn_in_proportion_to_their_weights()
    {
        SamplePlan plan = TwoDatasets();
        long fromFirst = 0;
        const int Steps = 2000;
        for (long step = 0; step < Steps; step++)
        {
            for (int p = 0; p < plan.GlobalBatch; p++)
            {
                long row = plan.RowAt(step, p);
                Assert.Equal(row < 1000 ? 0 : 1, plan.DatasetAt(step, p));
                fromFirst += row < 1000 ? 1 : 0;
            }
        }

        Assert.InRange(fromFirst / (double)(Steps * plan.GlobalBatch), 0.745, 0.755);
    }

    [Fact]
    public void Weights_that_do_not_divide_the_batch_give_floor_or_ceiling_quotas_that_fill_every_step()
    {
        var plan = new SamplePlan(
            [new PlanDataset(0, 100, 1, 10), new PlanDataset(100, 100, 1, 10), new PlanDataset(200, 100, 1, 10)], globalBatch: 8, seed: 5);
        var totals = new long[3];
        for (long step = 0; step < 3000; step++)
        {
            int[] counts = new int[3];
            for (int p = 0; p < 8; p++)
            {
                counts[plan.DatasetAt(step, p)]++;
            }

            Assert.All(counts, c => Assert.InRange(c, 2, 3));
            Assert.Equal(8, counts.Sum());
            for (int d = 0; d < 3; d++)
            {
                totals[d] += counts[d];
            }
        }

        Assert.All(totals, t => Assert.InRange(t / 24000.0, 0.323, 0.343));
    }

    [Fact]
    public void Each_dataset_reads_all_its_rows_before_any_row_again()
    {
        var plan = new SamplePlan([new PlanDataset(0, 300, 1, 32), new PlanDataset(300, 70, 1, 16)], globalBatch: 16, seed: 2);
        var small = new List<long>();
        for (long step = 0; small.Count < 210; step++)
        {
            for (int p = 0; p < 16; p++)
            {
                long row = plan.RowAt(step, p);
                if (row >= 300)
                {
                    small.Add(row);
                }
            }
        }

        for (int epoch = 0; epoch < 3; epoch++)
        {
            Assert.Equal(Enumerable.Range(300, 70).Select(r => (long)r), small.Skip(epoch * 70).Take(70).Order());
        }

        Assert.NotEqual(small.Take(70), small.Skip(70).Take(70));
    }

    [Fact]
    public void The_mix_is_a_function_of_the_step_alone_whatever_order_steps_are_asked_in()
    {
        SamplePlan sequential = TwoDatasets();
        long[][] expected = [.. Enumerable.Range(0, 300).Select(s => Enumerable.Range(0, 32).Select(p => sequential.RowAt(s, p)).ToArray())];

        SamplePlan resumed = TwoDatasets();
        foreach (int step in new[] { 250, 17, 299, 0, 120, 121, 3 })
        {
            Assert.Equal(expected[step], Enumerable.Range(0, 32).Select(p => resumed.RowAt(step, p)));
        }
    }

    [Fact]
    public void Going_back_across_saved_cursors_gives_what_a_fresh_plan_gives()
    {
        SamplePlan plan = TwoDatasets();
        foreach (int step in new[] { 9000, 4096, 4095, 8191, 8192, 12, 9001 })
        {
            SamplePlan fresh = TwoDatasets();
            Assert.Equal(Enumerable.Range(0, 32).Select(p => fresh.RowAt(step, p)), Enumerable.Range(0, 32).Select(p => plan.RowAt(step, p)));
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_mix_and_another_seed_another()
    {
        long[] Rows(SamplePlan plan) => [.. Enumerable.Range(0, 40).SelectMany(s => Enumerable.Range(0, 32).Select(p => plan.RowAt(s, p)))];

        Assert.Equal(Rows(TwoDatasets(4)), Rows(TwoDatasets(4)));
        Assert.NotEqual(Rows(TwoDatasets(4)), Rows(TwoDatasets(5)));
    }

    [Fact]
    public void Replacements_come_from_the_same_dataset_first_near_the_planned_row_and_are_repeatable()
    {
        SamplePlan plan = TwoDatasets();
        SamplePlan again = TwoDatasets();
        for (int p = 0; p < 32; p++)
        {
            long planned = plan.RowAt(7, p);
            int dataset = plan.DatasetAt(7, p);
            PlanDataset d = plan.Datasets[dataset];
            long blockStart = d.FirstRow + ((planned - d.FirstRow) / d.BlockSize * d.BlockSize);
            for (int attempt = 1; attempt <= 12; attempt++)
            {
                long candidate = plan.Candidate(7, p, attempt);
                Assert.Equal(candidate, again.Candidate(7, p, attempt));
                Assert.InRange(candidate, d.FirstRow, d.FirstRow + d.RowCount - 1);
                if (attempt <= SamplePlan.NearbyAttempts)
                {
                    Assert.InRange(candidate, blockStart, blockStart + d.BlockSize - 1);
                }
            }
        }

        long[] far = [.. Enumerable.Range(0, 32).Select(p => plan.Candidate(7, p, SamplePlan.NearbyAttempts + 1))];
        Assert.True(far.Distinct().Count() > 20);
    }

    [Fact]
    public void A_dataset_without_rows_or_with_a_non_positive_weight_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new SamplePlan([new PlanDataset(0, 0, 1, 8), new PlanDataset(0, 100, 1, 8)], 8, 1));
        Assert.Throws<ArgumentException>(() => new SamplePlan([new PlanDataset(0, 100, 0, 8)], 8, 1));
        Assert.Throws<ArgumentException>(() => new SamplePlan([], 8, 1));
    }
}
