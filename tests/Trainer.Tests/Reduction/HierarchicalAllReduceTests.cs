using Orchestrator.Trainer.Reduction;

namespace Orchestrator.Trainer.Tests.Reduction;

public sealed class HierarchicalAllReduceTests
{
    private static readonly TcpRingOptions s_options = new(TimeSpan.FromSeconds(20)) { PieceBytes = 256 };
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Two_processes_of_two_workers_give_the_flat_sum_on_every_worker()
    {
        using var ring = await RingFixture.StartAsync(2, s_options);
        var processes = ring.Members.Select(m => new HierarchicalAllReduce(2, m, s_timeout)).ToArray();
        var workers = processes.SelectMany(p => Enumerable.Range(0, 2).Select(p.Member)).ToArray();
        var random = new Random(3);
        var longs = workers.Select(_ => Enumerable.Range(0, 37).Select(_ => random.NextInt64(-(1L << 60), 1L << 60)).ToArray()).ToArray();
        var floats = workers.Select(_ => Enumerable.Range(0, 37).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        var maxima = workers.Select(_ => Enumerable.Range(0, 5).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        var exactLongs = Enumerable.Range(0, 37).Select(i => longs.Sum(b => b[i])).ToArray();
        var exactFloats = Enumerable.Range(0, 37).Select(i => floats.Sum(b => (double)b[i])).ToArray();
        var exactMaxima = Enumerable.Range(0, 5).Select(i => maxima.Max(b => b[i])).ToArray();

        await Task.WhenAll(workers.Select(async (w, r) =>
        {
            await w.SumAsync(longs[r], CancellationToken.None);
            await w.SumAsync(floats[r], CancellationToken.None);
            await w.MaxAsync(maxima[r], CancellationToken.None);
        }));

        Assert.Equal(new[] { 0, 1, 2, 3 }, workers.Select(w => w.Rank));
        Assert.All(workers, w => Assert.Equal(4, w.WorldSize));
        for (int r = 0; r < 4; r++)
        {
            Assert.Equal(exactLongs, longs[r]);
            Assert.Equal(exactMaxima, maxima[r]);
            Assert.Equal(floats[0], floats[r]);
            Assert.All(Enumerable.Range(0, 37), i => Assert.True(Math.Abs(floats[r][i] - exactFloats[i]) < 1e-5));
        }
    }

    [Fact]
    public async Task Deterministic_averaging_gives_the_same_bits_as_one_flat_group()
    {
        var random = new Random(11);
        int[] offsets = [0, 40, 41, 100];
        var gradients = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, 100).Select(_ => (float)(random.NextDouble() - 0.5) * 1e-3f).ToArray()).ToArray();

        var flat = new InProcessAllReduceGroup(4, s_timeout);
        var expected = await Task.WhenAll(Enumerable.Range(0, 4).Select(r =>
            new GradientAverager(flat.Member(r), deterministic: true, globalMicroBatches: 4)
                .AverageAsync([gradients[r]], [1.0], offsets, 1, CancellationToken.None)));

        using var ring = await RingFixture.StartAsync(2, s_options);
        var processes = ring.Members.Select(m => new HierarchicalAllReduce(2, m, s_timeout)).ToArray();
        var actual = await Task.WhenAll(Enumerable.Range(0, 4).Select(r =>
            new GradientAverager(processes[r / 2].Member(r % 2), deterministic: true, globalMicroBatches: 4)
                .AverageAsync([gradients[r]], [1.0], offsets, 1, CancellationToken.None)));

        Assert.All(actual, a => Assert.Equal(expected[0].Gradient, a.Gradient));
        Assert.All(actual, a => Assert.Equal(expected[0].MeanLoss, a.MeanLoss));
    }

    [Fact]
    public async Task A_process_ring_failure_reaches_every_local_worker_naming_the_peer()
    {
        using var ring = await RingFixture.StartAsync(2, s_options);
        var process = new HierarchicalAllReduce(2, ring.Members[0], s_timeout);
        ring.Members[1].Dispose();

        var calls = Enumerable.Range(0, 2).Select(r => process.Member(r).SumAsync(new long[3], CancellationToken.None)).ToArray();

        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAnyAsync<CollectiveFailedException>(() => call);
            Assert.Equal(1, error.PeerRank);
        }
    }
}
