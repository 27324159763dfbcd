using Orchestrator.Trainer.Reduction;
using static TorchSharp.torch;

namespace Orchestrator.Trainer.Tests.Reduction;

public sealed class GradientBucketsTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public void Parameters_fill_buckets_last_first_and_a_large_one_gets_its_own()
    {
        var buckets = new GradientBuckets([10, 10, 100, 5, 5], bucketBytes: 20 * sizeof(float));

        Assert.Equal(new[] { new[] { 4, 3 }, new[] { 2 }, new[] { 1, 0 } }, buckets.Buckets.Select(b => b.ToArray()));
    }

    [Fact]
    public async Task Tensor_gradients_are_summed_in_place_across_buckets()
    {
        long[] sizes = [6, 1, 9, 4];
        // Each worker owns its buckets (they hold its bytes in flight).
        var buckets = Enumerable.Range(0, 2).Select(_ => new GradientBuckets(sizes, bucketBytes: 8 * sizeof(float))).ToArray();
        var group = new InProcessAllReduceGroup(2, s_timeout);
        var gradients = Enumerable.Range(0, 2).Select(r => sizes.Select(n => arange(n, dtype: float32) * (r + 1)).ToArray()).ToArray();

        await Task.WhenAll(Enumerable.Range(0, 2).Select(r => buckets[r].SumAsync(group.Member(r), gradients[r], CancellationToken.None)));

        Assert.True(buckets[0].Buckets.Count > 1);
        for (int r = 0; r < 2; r++)
        {
            for (int p = 0; p < sizes.Length; p++)
            {
                Assert.Equal(Enumerable.Range(0, (int)sizes[p]).Select(i => 3f * i).ToArray(), gradients[r][p].data<float>().ToArray());
            }
        }
    }

    [Fact]
    public async Task A_flat_gradient_over_the_tcp_ring_equals_the_sum()
    {
        long[] sizes = [1000, 3, 20000, 7];
        var buckets = Enumerable.Range(0, 2).Select(_ => new GradientBuckets(sizes, bucketBytes: 4096)).ToArray();
        using var ring = await RingFixture.StartAsync(2, new TcpRingOptions(s_timeout) { PieceBytes = 1024 });
        var flats = Enumerable.Range(0, 2).Select(r => Enumerable.Range(0, 21010).Select(i => (float)(i % 97) + r).ToArray()).ToArray();

        await Task.WhenAll(ring.Members.Select((m, r) => buckets[r].SumAsync(m, flats[r], CancellationToken.None)));

        Assert.Equal(Enumerable.Range(0, 21010).Select(i => 2f * (i % 97) + 1).ToArray(), flats[0]);
        Assert.Equal(flats[0], flats[1]);
    }

    [Fact]
    public async Task A_gradient_of_the_wrong_shape_or_type_is_named()
    {
        var buckets = new GradientBuckets([4, 2]);
        var group = new InProcessAllReduceGroup(1, s_timeout);

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            buckets.SumAsync(group.Member(0), [zeros(4), zeros(2, dtype: float64)], CancellationToken.None));
        Assert.Contains("gradient 1 is a Float64", error.Message);
        var count = await Assert.ThrowsAsync<ArgumentException>(() => buckets.SumAsync(group.Member(0), [zeros(4)], CancellationToken.None));
        Assert.Contains("expected one per parameter, 2", count.Message);
        var flat = await Assert.ThrowsAsync<ArgumentException>(() => buckets.SumAsync(group.Member(0), new float[5], CancellationToken.None));
        Assert.Contains("expected 6", flat.Message);
    }
}
