using Orchestrator.Trainer.Reduction;
using Orchestrator.Trainer.Replica;
using Orchestrator.Trainer.Worker;
using TorchSharp;

namespace Orchestrator.Trainer.Tests.Worker;

/// <summary>Group generations without a cluster: sessions joined over in-process groups, as a trainer node wires them.</summary>
public sealed class WorkerSessionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_worker_joining_mid_run_takes_the_state_of_the_source_and_every_replica_ends_bitwise_identical()
    {
        using var tiny = await TinyTraining.CreateAsync();
        var first = Sessions(tiny, 1);
        await JoinAsync(first, generation: 1, committed: 0);
        await StepsAsync(first, 0, 2);

        // A fresh replica joins at the boundary after 2 committed steps; its seed state is overwritten.
        var joiner = Sessions(tiny, 1);
        var group = first.Concat(joiner).ToList();
        long[] applied = await JoinAsync(group, generation: 2, committed: 2);
        Assert.All(applied, a => Assert.Equal(2, a));
        await StepsAsync(group, 2, 4);

        var fingerprints = group.Select(s => s.Finish(4)).ToList();
        Assert.Equal(fingerprints[0], fingerprints[1]);

        // The same run without the join, one worker all along, gives the same weights (deterministic reduction).
        var alone = Sessions(tiny, 1);
        await JoinAsync(alone, generation: 1, committed: 0);
        await StepsAsync(alone, 0, 4);
        Assert.Equal(fingerprints[0], alone[0].Finish(4));
        Dispose(group.Concat(alone));
    }

    [Fact]
    public async Task A_step_that_not_every_member_reduced_is_dropped_when_the_group_re_forms()
    {
        using var tiny = await TinyTraining.CreateAsync();
        var sessions = Sessions(tiny, 2);
        await JoinAsync(sessions, generation: 1, committed: 0);
        await StepsAsync(sessions, 0, 1);
        string atOne = sessions[0].Finish(1);

        // Step 1 reduced (pending) but never committed: the new group starts again at 1 committed step.
        await Task.WhenAll(sessions.Select(s => s.StepAsync(1, CancellationToken.None)));
        await JoinAsync(sessions, generation: 2, committed: 1);

        Assert.All(sessions, s => Assert.Equal(1, s.Replica.AppliedSteps));
        Assert.Equal(atOne, sessions[1].Finish(1));
        Dispose(sessions);
    }

    [Fact]
    public async Task A_checkpoint_request_that_arrives_after_the_next_step_captures_the_committed_state_and_keeps_the_step()
    {
        using var tiny = await TinyTraining.CreateAsync();
        var sessions = Sessions(tiny, 1);
        await JoinAsync(sessions, generation: 1, committed: 0);
        await StepsAsync(sessions, 0, 2);

        // Step 2 is already reduced when the request for the state after 2 steps comes in.
        await sessions[0].StepAsync(2, CancellationToken.None);
        var captured = sessions[0].Capture(2);
        await sessions[0].StepAsync(3, CancellationToken.None);

        Assert.Equal(2, captured[ModelReplica.OptimizerFile].Single(t => t.Key == "step").Value.ToLongs()[0]);
        Assert.Equal(3, sessions[0].Replica.AppliedSteps);
        Dispose(sessions);
    }

    [Fact]
    public async Task A_committed_pending_step_is_applied_when_the_group_re_forms()
    {
        using var tiny = await TinyTraining.CreateAsync();
        var sessions = Sessions(tiny, 2);
        await JoinAsync(sessions, generation: 1, committed: 0);
        await Task.WhenAll(sessions.Select(s => s.StepAsync(0, CancellationToken.None)));

        long[] applied = await JoinAsync(sessions, generation: 2, committed: 1);

        Assert.All(applied, a => Assert.Equal(1, a));
        Dispose(sessions);
    }

    [Fact]
    public async Task A_torn_down_group_releases_a_member_waiting_for_a_peer_that_never_comes()
    {
        using var tiny = await TinyTraining.CreateAsync();
        var sessions = Sessions(tiny, 1);
        var group = new InProcessAllReduceGroup(2, Timeout);
        await sessions[0].JoinAsync(1, new SoloRank(group.Member(0)), 0, 0, null, CancellationToken.None);

        var step = sessions[0].StepAsync(0, CancellationToken.None);
        group.Abort("generation 1 ended");

        var failure = await Assert.ThrowsAsync<CollectiveAbortedException>(() => step.WaitAsync(Timeout));
        Assert.True(CollectiveFailure.Is(failure));
        Assert.Contains("generation 1 ended", failure.Message, StringComparison.Ordinal);
        Dispose(sessions);
    }

    private static List<WorkerSession> Sessions(TinyTraining tiny, int count) =>
        Enumerable.Range(0, count).Select(_ => new WorkerSession(tiny.Setup, ModelReplica.Create(tiny.Spec, torch.CPU))).ToList();

    private static Task<long[]> JoinAsync(IReadOnlyList<WorkerSession> sessions, long generation, long committed)
    {
        var group = new InProcessAllReduceGroup(sessions.Count, Timeout);
        return Task.WhenAll(sessions.Select((s, rank) =>
            Task.Run(() => s.JoinAsync(generation, group.Member(rank), committed, sourceRank: 0, checkpoint: null, CancellationToken.None))));
    }

    private static async Task StepsAsync(IReadOnlyList<WorkerSession> sessions, long from, long to)
    {
        for (long step = from; step < to; step++)
        {
            await Task.WhenAll(sessions.Select(s => Task.Run(() => s.StepAsync(step, CancellationToken.None))));
        }
    }

    private static void Dispose(IEnumerable<WorkerSession> sessions)
    {
        foreach (var s in sessions)
        {
            s.Replica.Dispose();
        }
    }

    // Rank 0 of a group of two that claims to be alone, so that its step skips the state broadcast at join
    // and then waits in the gradient sum for a rank 1 that never calls.
    private sealed class SoloRank(IAllReduce inner) : IAllReduce
    {
        public int Rank => 0;

        public int WorldSize => 1;

        public Task SumAsync(long[] buffer, CancellationToken cancellationToken) => inner.SumAsync(buffer, cancellationToken);

        public Task SumAsync(float[] buffer, CancellationToken cancellationToken) => inner.SumAsync(buffer, cancellationToken);

        public Task MaxAsync(float[] buffer, CancellationToken cancellationToken) => inner.MaxAsync(buffer, cancellationToken);
    }
}
