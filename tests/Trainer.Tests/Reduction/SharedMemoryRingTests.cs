using System.Diagnostics;
using Orchestrator.Trainer.Reduction;

namespace Orchestrator.Trainer.Tests.Reduction;

/// <summary>Same-host ring connections through shared memory: chosen, identical in bits to TCP, and failing like TCP.</summary>
public sealed class SharedMemoryRingTests
{
    private static readonly TcpRingOptions s_options = new(TimeSpan.FromSeconds(20));

    [Fact]
    public async Task Same_host_connections_use_shared_memory_unless_an_end_turns_it_off()
    {
        using (var shared = await RingFixture.StartAsync(3, s_options))
        {
            Assert.All(shared.Members, m => Assert.Equal((RingTransport.SharedMemory, RingTransport.SharedMemory), (m.LeftTransport, m.RightTransport)));
        }
        using (var tcp = await RingFixture.StartAsync(2, s_options with { SharedMemory = false }))
        {
            Assert.All(tcp.Members, m => Assert.Equal((RingTransport.Tcp, RingTransport.Tcp), (m.LeftTransport, m.RightTransport)));
        }

        // Rank 1 turns it off: its two connections (0 to 1 and 1 to 2) stay on TCP, 2 to 0 uses shared memory.
        var listeners = RingFixture.Listen(3);
        var members = await Task.WhenAll(Enumerable.Range(0, 3).Select(rank => TcpRingAllReduce.ConnectAsync(
            listeners[rank], RingFixture.Generation(listeners, 1, rank), s_options with { SharedMemory = rank != 1 }, CancellationToken.None)));
        using var mixed = new RingFixture(listeners, members);
        Assert.Equal(new RingTransport?[] { RingTransport.SharedMemory, RingTransport.Tcp, RingTransport.Tcp }, members.Select(m => m.LeftTransport));
        Assert.Equal(new RingTransport?[] { RingTransport.Tcp, RingTransport.Tcp, RingTransport.SharedMemory }, members.Select(m => m.RightTransport));
        var buffers = Enumerable.Range(0, 3).Select(r => Enumerable.Repeat((long)r + 1, 100_003).ToArray()).ToArray();
        await Task.WhenAll(members.Select((m, r) => m.SumAsync(buffers[r], CancellationToken.None)));
        Assert.All(buffers, b => Assert.All(b, v => Assert.Equal(6, v)));
    }

    [Theory]
    [InlineData(2, 1000)]
    [InlineData(3, 4104)]
    [InlineData(4, 256 * 1024)]
    public async Task Shared_memory_gives_the_same_bits_as_tcp(int worldSize, int pieceBytes)
    {
        // Larger than the 4 MiB ring, so the ring wraps; pieces of odd sizes straddle its end and take the copying path.
        const int Length = 1_500_007;
        var random = new Random(worldSize);
        var floats = Enumerable.Range(0, worldSize).Select(_ => Enumerable.Range(0, Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
        var longs = Enumerable.Range(0, worldSize).Select(_ => Enumerable.Range(0, Length).Select(_ => random.NextInt64(-(1L << 58), 1L << 58)).ToArray()).ToArray();

        var (sharedFloats, sharedLongs) = await ReduceAsync(s_options with { PieceBytes = pieceBytes }, floats, longs);
        var (tcpFloats, tcpLongs) = await ReduceAsync(s_options with { PieceBytes = pieceBytes, SharedMemory = false }, floats, longs);

        for (int r = 0; r < worldSize; r++)
        {
            Assert.True(sharedFloats[r].AsSpan().SequenceEqual(tcpFloats[r]), $"rank {r}: float32 sums differ between shared memory and TCP");
            Assert.True(sharedLongs[r].AsSpan().SequenceEqual(tcpLongs[r]), $"rank {r}: int64 sums differ between shared memory and TCP");
        }
        Assert.Equal(Enumerable.Range(0, Length).Select(i => longs.Sum(b => b[i])), sharedLongs[0]);
    }

    [Fact]
    public async Task No_ring_file_stays_in_dev_shm_once_the_members_are_connected()
    {
        Assert.Empty(RingFiles());
        using var ring = await RingFixture.StartAsync(4, s_options);

        // Both ends have mapped each ring and it is unlinked already: a SIGKILL from here on leaves nothing behind.
        Assert.All(ring.Members, m => Assert.Equal(RingTransport.SharedMemory, m.RightTransport));
        Assert.Empty(RingFiles());
    }

    [Fact]
    public async Task A_member_that_dies_while_its_ring_is_full_makes_both_neighbours_fail_at_once_naming_it()
    {
        using var ring = await RingFixture.StartAsync(3, s_options);
        var clock = Stopwatch.StartNew();
        // Rank 1 never joins the call: rank 0 fills the 4 MiB ring to it and waits for room, rank 2 waits for data from it.
        var waiting = new[] { 0, 2 }.Select(r => ring.Members[r].SumAsync(new float[4 << 20], CancellationToken.None)).ToArray();

        ring.Members[1].Dispose();

        foreach (var call in waiting)
        {
            var error = await Assert.ThrowsAnyAsync<CollectiveFailedException>(() => call);
            Assert.Equal(1, error.PeerRank);
            Assert.Contains($"rank 1 ({ring.Listeners[1].Endpoint})", error.Message);
        }
        Assert.True(clock.Elapsed < s_options.Timeout / 2, $"took {clock.Elapsed}");
        Assert.Empty(RingFiles());
    }

    private static string[] RingFiles() => Directory.GetFiles("/dev/shm", $"orchestrator-ring-{Environment.ProcessId}-*");

    private static async Task<(float[][] Floats, long[][] Longs)> ReduceAsync(TcpRingOptions options, float[][] floats, long[][] longs)
    {
        var f = floats.Select(b => (float[])b.Clone()).ToArray();
        var l = longs.Select(b => (long[])b.Clone()).ToArray();
        using var ring = await RingFixture.StartAsync(floats.Length, options);
        Assert.All(ring.Members, m => Assert.Equal(options.SharedMemory ? RingTransport.SharedMemory : RingTransport.Tcp, m.RightTransport));
        await Task.WhenAll(ring.Members.Select(async (m, r) =>
        {
            await m.SumAsync(f[r], CancellationToken.None);
            await m.SumAsync(l[r], CancellationToken.None);
        }));
        return (f, l);
    }
}
