using System.Diagnostics;
using Orchestrator.Trainer.Reduction;

namespace Orchestrator.Trainer.Tests.Reduction;

public sealed class TcpRingAllReduceTests
{
    // Small pieces so that even short buffers cross several pipelined pieces per segment.
    private static readonly TcpRingOptions s_options = new(TimeSpan.FromSeconds(20)) { PieceBytes = 64 };

    public static TheoryData<int, int, bool> Sizes()
    {
        var data = new TheoryData<int, int, bool>();
        foreach (bool sharedMemory in new[] { true, false })
        {
            foreach (var (world, length) in new[] { (2, 0), (2, 1), (2, 1001), (3, 2), (3, 1000), (4, 3), (4, 4099) })
                data.Add(world, length, sharedMemory);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Integer_sum_is_exact_and_float_sum_and_max_within_tolerance(int worldSize, int length, bool sharedMemory)
    {
        using var ring = await RingFixture.StartAsync(worldSize, s_options with { SharedMemory = sharedMemory });
        var random = new Random(length * 31 + worldSize);
        var longs = Enumerable.Range(0, worldSize).Select(_ => Enumerable.Range(0, length).Select(_ => random.NextInt64(-(1L << 58), 1L << 58)).ToArray()).ToArray();
        var floats = Enumerable.Range(0, worldSize).Select(_ => Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray()).ToArray();
        var maxima = floats.Select(f => (float[])f.Clone()).ToArray();
        var exactLongs = Enumerable.Range(0, length).Select(i => longs.Sum(b => b[i])).ToArray();
        var exactFloats = Enumerable.Range(0, length).Select(i => floats.Sum(b => (double)b[i])).ToArray();
        var exactMaxima = Enumerable.Range(0, length).Select(i => maxima.Max(b => b[i])).ToArray();

        await Task.WhenAll(ring.Members.Select(async (m, r) =>
        {
            await m.SumAsync(longs[r], CancellationToken.None);
            await m.SumAsync(floats[r], CancellationToken.None);
            await m.MaxAsync(maxima[r], CancellationToken.None);
        }));

        for (int r = 0; r < worldSize; r++)
        {
            Assert.Equal(exactLongs, longs[r]);
            Assert.Equal(exactMaxima, maxima[r]);
            Assert.Equal(floats[0], floats[r]);
            for (int i = 0; i < length; i++)
            {
                Assert.True(Math.Abs(floats[r][i] - exactFloats[i]) <= 1e-5, $"element {i}: {floats[r][i]} vs {exactFloats[i]}");
            }
        }
    }

    [Theory]
    [InlineData(RingWireFormat.BFloat16, 8, true)]
    [InlineData(RingWireFormat.Float16, 11, true)]
    [InlineData(RingWireFormat.BFloat16, 8, false)]
    [InlineData(RingWireFormat.Float16, 11, false)]
    public async Task Sixteen_bit_transfer_is_within_its_tolerance_and_identical_on_every_member(RingWireFormat format, int precisionBits, bool sharedMemory)
    {
        using var ring = await RingFixture.StartAsync(3, s_options with { WireFormat = format, SharedMemory = sharedMemory });
        var random = new Random(7);
        const int Length = 1003;
        var buffers = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, Length).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray()).ToArray();
        var exact = Enumerable.Range(0, Length).Select(i => buffers.Sum(b => (double)b[i])).ToArray();
        var magnitude = Enumerable.Range(0, Length).Select(i => buffers.Sum(b => Math.Abs((double)b[i]))).ToArray();

        await Task.WhenAll(ring.Members.Select((m, r) => m.SumAsync(buffers[r], CancellationToken.None)));

        Assert.Equal(buffers[0], buffers[1]);
        Assert.Equal(buffers[0], buffers[2]);
        // N roundings (N - 1 partial sums and the final one), each within the unit roundoff 2^-p of what it rounds.
        double worst = Enumerable.Range(0, Length).Max(i => Math.Abs(buffers[0][i] - exact[i]) / magnitude[i]);
        Assert.InRange(worst, 0, 3 * Math.ScaleB(1, -precisionBits));
        Assert.True(worst > 1e-7, "16-bit transfer left no rounding at all: the wire format was not applied");
    }

    [Fact]
    public async Task A_connection_from_a_stale_generation_is_refused_and_the_current_one_still_connects()
    {
        var listeners = RingFixture.Listen(2);
        try
        {
            var current1 = TcpRingAllReduce.ConnectAsync(listeners[1], RingFixture.Generation(listeners, 5, 1), s_options, CancellationToken.None);
            var stale = await Assert.ThrowsAsync<StaleRingGenerationException>(() =>
                TcpRingAllReduce.ConnectAsync(listeners[0], RingFixture.Generation(listeners, 4, 0), s_options, CancellationToken.None));
            Assert.Contains("stale generation 4", stale.Message);
            Assert.Equal(1, stale.PeerRank);

            var current0 = TcpRingAllReduce.ConnectAsync(listeners[0], RingFixture.Generation(listeners, 5, 0), s_options, CancellationToken.None);
            using var member0 = await current0;
            using var member1 = await current1;
            var a = new long[] { 1 };
            var b = new long[] { 2 };
            await Task.WhenAll(member0.SumAsync(a, CancellationToken.None), member1.SumAsync(b, CancellationToken.None));
            Assert.Equal(3, a[0]);
        }
        finally
        {
            Array.ForEach(listeners, l => l.Dispose());
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_member_that_stops_answering_makes_the_others_throw_naming_it_within_the_timeout(bool sharedMemory)
    {
        var timeout = TimeSpan.FromMilliseconds(600);
        using var ring = await RingFixture.StartAsync(3, s_options with { Timeout = timeout, SharedMemory = sharedMemory });
        var clock = Stopwatch.StartNew();

        var waiting = new[] { 0, 2 }.Select(r => ring.Members[r].SumAsync(new float[100], CancellationToken.None)).ToArray();

        foreach (var call in waiting)
        {
            var error = await Assert.ThrowsAsync<CollectiveTimeoutException>(() => call);
            Assert.Equal(1, error.PeerRank);
            Assert.Equal(ring.Listeners[1].Endpoint, error.PeerEndpoint);
            Assert.Contains($"rank 1 ({ring.Listeners[1].Endpoint}) did not answer", error.Message);
        }
        Assert.InRange(clock.Elapsed, timeout, timeout * 4);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_member_that_closes_makes_its_neighbours_fail_at_once_naming_it(bool sharedMemory)
    {
        using var ring = await RingFixture.StartAsync(2, s_options with { SharedMemory = sharedMemory });
        var clock = Stopwatch.StartNew();
        var waiting = ring.Members[0].SumAsync(new long[10], CancellationToken.None);

        ring.Members[1].Dispose();

        var error = await Assert.ThrowsAsync<CollectiveFailedException>(() => waiting);
        Assert.Equal(1, error.PeerRank);
        Assert.True(clock.Elapsed < s_options.Timeout / 2, $"took {clock.Elapsed}");
        var again = await Assert.ThrowsAsync<CollectiveFailedException>(() => ring.Members[0].SumAsync(new long[1], CancellationToken.None));
        Assert.Contains("re-form the group", again.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Cancellation_ends_the_call_at_once_and_the_peer_learns_who_left(bool sharedMemory)
    {
        using var ring = await RingFixture.StartAsync(2, s_options with { SharedMemory = sharedMemory });
        using var cancel = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var waiting = ring.Members[0].SumAsync(new float[10], cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        var peer = await Assert.ThrowsAsync<CollectiveFailedException>(() => ring.Members[1].SumAsync(new float[10], CancellationToken.None));
        Assert.Equal(0, peer.PeerRank);
        Assert.True(clock.Elapsed < s_options.Timeout / 2, $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Members_running_different_collectives_fail_with_the_mismatch(bool sharedMemory)
    {
        using var ring = await RingFixture.StartAsync(2, s_options with { SharedMemory = sharedMemory });
        var sum = ring.Members[0].SumAsync(new long[4], CancellationToken.None);
        var max = ring.Members[1].MaxAsync(new float[4], CancellationToken.None);

        var error = await Assert.ThrowsAnyAsync<CollectiveFailedException>(() => sum);
        await Assert.ThrowsAnyAsync<CollectiveFailedException>(() => max);
        Assert.Contains("different collective", error.Message);
    }

    [Fact]
    public async Task A_single_member_ring_returns_its_own_buffer()
    {
        using var ring = await RingFixture.StartAsync(1, s_options);
        var buffer = new long[] { 4, 5 };
        await ring.Members[0].SumAsync(buffer, CancellationToken.None);
        Assert.Equal(new long[] { 4, 5 }, buffer);
    }

    [Theory]
    [InlineData("localhost", "Peers[1] is 'localhost'")]
    [InlineData("127.0.0.1:0", "Peers[1] is '127.0.0.1:0'")]
    [InlineData("127.0.0.1:70000", "port from 1 to 65535")]
    public async Task A_bad_peer_endpoint_is_named(string endpoint, string expected)
    {
        using var listener = RingListener.Start("127.0.0.1", 0);
        var generation = new RingGeneration(1, 0, [listener.Endpoint, endpoint]);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => TcpRingAllReduce.ConnectAsync(listener, generation, s_options, CancellationToken.None));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task A_listener_other_than_the_ranks_own_endpoint_is_refused()
    {
        using var listener = RingListener.Start("127.0.0.1", 0);
        using var other = RingListener.Start("127.0.0.1", 0);
        var generation = new RingGeneration(1, 0, [other.Endpoint, listener.Endpoint]);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => TcpRingAllReduce.ConnectAsync(listener, generation, s_options, CancellationToken.None));
        Assert.Contains($"this member listens on {listener.Endpoint}", error.Message);
    }

    [Fact]
    public async Task A_neighbour_that_never_connects_times_out_naming_it()
    {
        var listeners = RingFixture.Listen(2);
        try
        {
            var options = s_options with { Timeout = TimeSpan.FromMilliseconds(300) };
            var error = await Assert.ThrowsAsync<CollectiveTimeoutException>(() =>
                TcpRingAllReduce.ConnectAsync(listeners[0], RingFixture.Generation(listeners, 1, 0), options, CancellationToken.None));
            Assert.Equal(1, error.PeerRank);
        }
        finally
        {
            Array.ForEach(listeners, l => l.Dispose());
        }
    }
}
