using Orchestrator.Trainer.Reduction;

namespace Orchestrator.Trainer.Tests;

public sealed class GradientAveragerTests
{
    private static readonly int[] Segments = [0, 3, 5];

    // Eight micro-batch gradients with magnitudes over many binades, so float order matters.
    private static List<float[]> MicroBatches()
    {
        var random = new Random(7);
        return Enumerable.Range(0, 8)
            .Select(_ => Enumerable.Range(0, 5).Select(i => (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-6, 4)))).ToArray())
            .ToList();
    }

    private static async Task<AveragedGradient[]> AverageAsync(bool deterministic, params int[][] microBatchesByRank)
    {
        var all = MicroBatches();
        var group = new InProcessAllReduceGroup(microBatchesByRank.Length, TimeSpan.FromSeconds(30));
        var tasks = microBatchesByRank.Select((indices, rank) =>
        {
            var averager = new GradientAverager(group.Member(rank), deterministic, globalMicroBatches: 8);
            var gradients = indices.Select(i => all[i]).ToList();
            var losses = indices.Select(i => 0.1 * (i + 1)).ToList();
            return averager.AverageAsync(gradients, losses, Segments, samples: indices.Length * 4, CancellationToken.None);
        });
        return await Task.WhenAll(tasks);
    }

    [Fact]
    public async Task Deterministic_average_is_bitwise_the_same_for_any_world_size_and_split()
    {
        var one = (await AverageAsync(true, [0, 1, 2, 3, 4, 5, 6, 7]))[0];
        var two = await AverageAsync(true, [0, 1, 2, 3], [4, 5, 6, 7]);
        var four = await AverageAsync(true, [6, 7], [0, 1], [4, 5], [2, 3]);
        var uneven = await AverageAsync(true, [0, 1, 2, 3, 4, 5], [6, 7]);
        foreach (var result in two.Concat(four).Concat(uneven))
        {
            Assert.Equal(one.Gradient, result.Gradient);
            Assert.Equal(one.MeanLoss, result.MeanLoss);
            Assert.Equal(32, result.Samples);
        }
    }

    [Fact]
    public async Task Deterministic_average_is_close_to_the_exact_mean()
    {
        var all = MicroBatches();
        var result = (await AverageAsync(true, [0, 1, 2, 3], [4, 5, 6, 7]))[0];
        for (int i = 0; i < 5; i++)
        {
            double exact = all.Sum(g => (double)g[i]) / 32;
            Assert.Equal(exact, result.Gradient[i], Math.Abs(exact) * 1e-6 + 1e-12);
        }
        Assert.Equal(Enumerable.Range(1, 8).Sum(i => 0.1 * i) / 32, result.MeanLoss, 1e-9);
    }

    [Fact]
    public async Task Fast_path_is_within_float_tolerance_of_the_exact_mean()
    {
        var all = MicroBatches();
        var result = (await AverageAsync(false, [0, 1, 2, 3], [4, 5, 6, 7]))[1];
        for (int i = 0; i < 5; i++)
        {
            double exact = all.Sum(g => (double)g[i]) / 32;
            Assert.Equal(exact, result.Gradient[i], Math.Abs(exact) * 1e-5 + 1e-9);
        }
    }

    [Fact]
    public async Task A_non_finite_gradient_is_reported()
    {
        var group = new InProcessAllReduceGroup(1, TimeSpan.FromSeconds(30));
        var averager = new GradientAverager(group.Member(0), deterministic: true, globalMicroBatches: 1);
        var error = await Assert.ThrowsAsync<ArithmeticException>(() =>
            averager.AverageAsync([[1f, float.NaN, 0f, 0f, 0f]], [0.5], Segments, 4, CancellationToken.None));
        Assert.Contains("non-finite gradient at element 1", error.Message);
    }

    [Fact]
    public async Task A_global_batch_with_no_samples_is_an_error()
    {
        var group = new InProcessAllReduceGroup(1, TimeSpan.FromSeconds(30));
        var averager = new GradientAverager(group.Member(0), deterministic: true, globalMicroBatches: 1);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            averager.AverageAsync([], [], Segments, 0, CancellationToken.None));
        Assert.Contains("every sample of the global batch was skipped", error.Message);
    }
}
