using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.Safetensors;
using Orchestrator.Trainer.Reduction;
using Orchestrator.Trainer.Replica;

namespace Orchestrator.Trainer.Worker;

/// <summary>
/// One worker's life across group generations: it joins a group (settling its pending step and taking
/// the group's state), runs steps whose updates stay pending until the coordinator commits them, and
/// captures its state for checkpoints. Plain class: <see cref="TrainerWorkerActor"/> calls it, tests drive it.
/// </summary>
/// <remarks>
/// A step's update is applied when the next command arrives that implies the coordinator saw every
/// member reduce it: the next <see cref="StepAsync"/>, a capture, a finish, or a new group whose committed
/// step count covers it. A step that a failure interrupted is dropped by every survivor alike, so
/// survivors hold identical weights at the last committed step (docs/cluster.md, "Failure semantics").
/// </remarks>
public sealed class WorkerSession(TrainingSetup setup, ModelReplica replica)
{
    private ReplicaTrainer? _trainer;
    private PendingUpdate? _pending;

    /// <summary>The group generation this worker belongs to; -1 before its first group.</summary>
    public long Generation { get; private set; } = -1;

    /// <summary>Global rank in the current group; -1 before its first group.</summary>
    public int Rank => _trainer?.Rank ?? -1;

    public int WorldSize => _trainer?.WorldSize ?? 0;

    public ModelReplica Replica => replica;

    /// <summary>
    /// Joins group <paramref name="generation"/> as <paramref name="member"/>. The state comes from
    /// <paramref name="checkpoint"/> when the group starts from one, else from rank <paramref name="sourceRank"/>
    /// over the data plane. Returns the steps applied afterwards, which equal <paramref name="committedSteps"/>.
    /// </summary>
    public async Task<long> JoinAsync(
        long generation, IAllReduce member, long committedSteps, int sourceRank, LoadedCheckpoint? checkpoint,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(member);
        Commit(committedSteps);
        // What the coordinator did not commit, no survivor applies: the new group redoes that step.
        _pending = null;
        _trainer = new ReplicaTrainer(setup, replica, member);
        Generation = generation;
        if (checkpoint is not null)
        {
            replica.Restore(checkpoint);
        }
        else if (member.WorldSize > 1)
        {
            await StateBroadcast.RunAsync(replica, member, sourceRank, cancellationToken).ConfigureAwait(false);
        }
        if (replica.AppliedSteps != committedSteps)
        {
            throw new InvalidOperationException(
                $"rank {member.Rank}: joined generation {generation} holding {replica.AppliedSteps} applied steps; the group is at {committedSteps}");
        }
        return replica.AppliedSteps;
    }

    /// <summary>Commits the previous step, then computes and reduces step <paramref name="step"/>; its update stays pending.</summary>
    public async Task<PendingUpdate> StepAsync(long step, CancellationToken cancellationToken)
    {
        var trainer = _trainer ?? throw new InvalidOperationException("the worker has not joined a group yet");
        Commit(step);
        if (replica.AppliedSteps != step)
        {
            throw new InvalidOperationException($"rank {Rank}: asked for step {step} holding {replica.AppliedSteps} applied steps");
        }
        _pending = await trainer.ComputeAsync(step, cancellationToken).ConfigureAwait(false);
        return _pending;
    }

    /// <summary>
    /// Applies a pending update of a step below <paramref name="committedSteps"/>. A later one stays pending:
    /// commands from different senders (a checkpoint request, the next step) may arrive in either order.
    /// </summary>
    public void Commit(long committedSteps)
    {
        if (_pending is { } pending && pending.Outcome.Step < committedSteps)
        {
            _pending = null;
            (_trainer ?? throw new InvalidOperationException("a pending update without a group")).Apply(pending);
        }
    }

    /// <summary>The state after <paramref name="committedSteps"/> steps, copied to host memory for a checkpoint.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<KeyValuePair<string, SafeTensor>>> Capture(long committedSteps)
    {
        Commit(committedSteps);
        if (replica.AppliedSteps != committedSteps)
        {
            throw new InvalidOperationException($"rank {Rank}: asked for the state after {committedSteps} steps holding {replica.AppliedSteps}");
        }
        return replica.Capture();
    }

    /// <summary>Commits through <paramref name="committedSteps"/> and fingerprints the whole state (sha256).</summary>
    public string Finish(long committedSteps)
    {
        Commit(committedSteps);
        return StateBroadcast.Fingerprint(replica);
    }
}
