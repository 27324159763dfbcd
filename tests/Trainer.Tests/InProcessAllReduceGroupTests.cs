using Orchestrator.Trainer.Reduction;

namespace Orchestrator.Trainer.Tests;

public sealed class InProcessAllReduceGroupTests
{
    [Fact]
    public async Task Sum_gives_every_rank_the_total()
    {
        var group = new InProcessAllReduceGroup(3, TimeSpan.FromSeconds(30));
        var buffers = Enumerable.Range(0, 3).Select(r => new long[] { r, 10 * r }).ToArray();
        await Task.WhenAll(buffers.Select((b, r) => group.Member(r).SumAsync(b, CancellationToken.None)));
        Assert.All(buffers, b => Assert.Equal(new long[] { 3, 30 }, b));
    }

    [Fact]
    public async Task Max_gives_every_rank_the_elementwise_maximum()
    {
        var group = new InProcessAllReduceGroup(2, TimeSpan.FromSeconds(30));
        var a = new[] { 1f, 5f };
        var b = new[] { 3f, 2f };
        await Task.WhenAll(group.Member(0).MaxAsync(a, CancellationToken.None), group.Member(1).MaxAsync(b, CancellationToken.None));
        Assert.Equal(new[] { 3f, 5f }, a);
        Assert.Equal(new[] { 3f, 5f }, b);
    }

    [Fact]
    public async Task Rounds_match_by_order_not_by_arrival()
    {
        var group = new InProcessAllReduceGroup(2, TimeSpan.FromSeconds(30));
        var first0 = new long[] { 1 };
        var second0 = new long[] { 100 };
        var r0 = Task.Run(async () =>
        {
            await group.Member(0).SumAsync(first0, CancellationToken.None);
            await group.Member(0).SumAsync(second0, CancellationToken.None);
        });
        var first1 = new long[] { 2 };
        var second1 = new long[] { 200 };
        await group.Member(1).SumAsync(first1, CancellationToken.None);
        await group.Member(1).SumAsync(second1, CancellationToken.None);
        await r0;
        Assert.Equal(3, first0[0]);
        Assert.Equal(300, second1[0]);
    }

    [Fact]
    public async Task A_rank_that_never_answers_times_out_naming_it()
    {
        var group = new InProcessAllReduceGroup(3, TimeSpan.FromMilliseconds(200));
        var waiting = new[]
        {
            group.Member(0).SumAsync(new long[1], CancellationToken.None),
            group.Member(2).SumAsync(new long[1], CancellationToken.None),
        };
        var error = await Assert.ThrowsAsync<TimeoutException>(() => waiting[0]);
        Assert.Contains("rank(s) 1 did not answer", error.Message);
        await Assert.ThrowsAsync<TimeoutException>(() => waiting[1]);
    }

    [Fact]
    public async Task Mismatched_collectives_fail_with_a_clear_message()
    {
        var group = new InProcessAllReduceGroup(2, TimeSpan.FromSeconds(30));
        var first = group.Member(0).SumAsync(new long[2], CancellationToken.None);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => group.Member(1).SumAsync(new long[3], CancellationToken.None));
        Assert.Contains("same collectives in the same order", error.Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => first);
    }
}
