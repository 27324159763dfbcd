using System.Diagnostics;
using Orchestrator.Core.Telemetry;
using Orchestrator.DataLoader.Batching;
using Orchestrator.Trainer.Reduction;
using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Trainer.Replica;

/// <summary>
/// The training step of one worker: read its part of the global batch, differentiate each fixed
/// micro-batch alone, average with the other workers, clip, take the AdamW step and update the EMA.
/// </summary>
public sealed class ReplicaTrainer(TrainingSetup setup, ModelReplica replica, IAllReduce group)
{
    private readonly GradientAverager _averager = new(
        group, setup.Spec.Train.Deterministic, setup.Spec.Train.GlobalBatch / setup.Spec.Train.MicroBatch,
        (long)(setup.Spec.Cluster.BucketMib * 1024 * 1024));

    private readonly int[] _segmentOffsets = SegmentOffsets(replica);

    // Bytes per gradient element in the all-reduce: int64 fixed point on the deterministic path, else
    // the float path's transfer dtype.
    private readonly long _wireBytesPerElement = setup.Spec.Train.Deterministic ? sizeof(long)
        : setup.Spec.Cluster.TransferDtype == "float32" ? sizeof(float) : 2;

    public int Rank => group.Rank;

    public int WorldSize => group.WorldSize;

    public ModelReplica Replica => replica;

    /// <summary>Runs global step <paramref name="step"/> (0-based) on this worker: <see cref="ComputeAsync"/>, then <see cref="Apply"/>.</summary>
    public async Task<StepOutcome> TrainStepAsync(long step, CancellationToken cancellationToken)
    {
        var update = await ComputeAsync(step, cancellationToken).ConfigureAwait(false);
        Apply(update);
        return update.Outcome;
    }

    /// <summary>
    /// Reads this worker's part of global step <paramref name="step"/>, differentiates it and averages the
    /// gradient with every other worker, without touching the weights: the run coordinator commits a step
    /// only when every member of the group has reduced it, so a step that a failure interrupted can be
    /// dropped by every survivor alike (docs/cluster.md, "Failure semantics").
    /// </summary>
    public async Task<PendingUpdate> ComputeAsync(long step, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var train = setup.Spec.Train;
        var (start, count) = setup.Plan.WorkerSlice(group.Rank, group.WorldSize, train.MicroBatch);
        List<float[]> gradients;
        List<double> losses;
        long samples;
        string[] keys;
        using (var batch = await setup.Batches.ReadAsync(step, start, count, cancellationToken).ConfigureAwait(false))
        {
            (gradients, losses, samples) = Differentiate(batch, step);
            keys = batch.Keys;
        }
        double dataAndCompute = clock.Elapsed.TotalSeconds;

        var reduceClock = Stopwatch.StartNew();
        AveragedGradient averaged;
        using (OrchestratorTelemetry.ActivitySource.StartActivity(OrchestratorTelemetry.AllReduceSpan))
        {
            averaged = await _averager.AverageAsync(gradients, losses, _segmentOffsets, samples, cancellationToken).ConfigureAwait(false);
        }
        double reduceSeconds = reduceClock.Elapsed.TotalSeconds;
        OrchestratorTelemetry.RecordAllReduce(reduceSeconds, averaged.Gradient.LongLength * _wireBytesPerElement, group.Rank);

        var outcome = new StepOutcome(step, averaged.MeanLoss, averaged.Samples, samples, GradNorm(averaged.Gradient), dataAndCompute, reduceSeconds, clock.Elapsed.TotalSeconds);
        return new PendingUpdate(outcome, averaged.Gradient, keys);
    }

    /// <summary>Clips the averaged gradient, takes the AdamW step and updates the EMA.</summary>
    public void Apply(PendingUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (replica.Optimizer.StepCount != update.Outcome.Step)
        {
            throw new InvalidOperationException(
                $"rank {Rank}: the update of step {update.Outcome.Step} cannot follow {replica.Optimizer.StepCount} applied steps");
        }
        ApplyAveraged(update.Gradient, update.Outcome.Step, update.Outcome.GradNorm);
    }

    // Each micro-batch covers positions [k*m, (k+1)*m) of the global batch, whatever the world size;
    // skipped rows only make it smaller.
    private (List<float[]> Gradients, List<double> Losses, long Samples) Differentiate(TrainingBatch batch, long step)
    {
        var train = setup.Spec.Train;
        long firstIndex = step * train.GlobalBatch;
        var groups = Enumerable.Range(0, batch.Count)
            .GroupBy(i => (batch.SampleIndices[i] - firstIndex) / train.MicroBatch)
            .OrderBy(g => g.Key);
        var gradients = new List<float[]>();
        var losses = new List<double>();
        foreach (var rows in groups)
        {
            using var scope = torch.NewDisposeScope();
            var rowIndex = torch.tensor(rows.Select(i => (long)i).ToArray());
            var images = batch.Images.index_select(0, rowIndex).to(replica.Device);
            var tokens = batch.Tokens.index_select(0, rowIndex).to(replica.Device);
            var indices = rows.Select(i => batch.SampleIndices[i]).ToArray();
            // Image samples of a video run: their temporal layers are masked (joint image-video training).
            var isImage = images.shape[2] > 1 ? torch.tensor(rows.Select(i => batch.IsImage[i]).ToArray()).to(replica.Device) : null;
            replica.Model.zero_grad();
            var loss = setup.Objective.SumLoss(replica.Model, images, tokens, batch.Epoch, indices, isImage);
            loss.backward();
            losses.Add(loss.item<float>());
            var flat = torch.cat(replica.Parameters.Select(p => (p.Value.grad ?? torch.zeros_like(p.Value)).flatten()).ToArray());
            gradients.Add(flat.cpu().data<float>().ToArray());
        }
        return (gradients, losses, batch.Count);
    }

    // Global-norm clipping (Pascanu et al., 2013), computed from the averaged gradient in a fixed
    // order so that every replica gets the same factor.
    private static double GradNorm(float[] gradient)
    {
        double squares = 0;
        foreach (float g in gradient)
        {
            squares += (double)g * g;
        }
        return Math.Sqrt(squares);
    }

    private void ApplyAveraged(float[] gradient, long step, double norm)
    {
        double clip = setup.Spec.Train.GradClip;
        float factor = clip > 0 && norm > clip ? (float)(clip / norm) : 1f;

        using var scope = torch.NewDisposeScope();
        var flat = torch.tensor(gradient).to(replica.Device);
        if (factor != 1f)
        {
            using var scale = factor.ToScalar();
            flat.mul_(scale);
        }
        var grads = new List<Tensor>(replica.Parameters.Count);
        for (int i = 0; i < replica.Parameters.Count; i++)
        {
            var p = replica.Parameters[i].Value;
            grads.Add(flat.narrow(0, _segmentOffsets[i], _segmentOffsets[i + 1] - _segmentOffsets[i]).view(p.shape));
        }
        replica.Optimizer.Step(setup.LearningRate.At(step), grads);
        replica.Ema.Update(replica.Optimizer.StepCount);
    }

    private static int[] SegmentOffsets(ModelReplica replica)
    {
        var offsets = new int[replica.Parameters.Count + 1];
        for (int i = 0; i < replica.Parameters.Count; i++)
        {
            offsets[i + 1] = offsets[i] + (int)replica.Parameters[i].Value.numel();
        }
        return offsets;
    }
}

/// <summary>
/// A step reduced but not yet applied: its outcome, the averaged gradient (flat, in parameter order) and
/// the keys of the samples this worker consumed.
/// </summary>
public sealed record PendingUpdate(StepOutcome Outcome, float[] Gradient, string[] Keys);

/// <summary>
/// What one worker's step did: the global mean loss and sample count (equal on every worker), this
/// worker's own samples, the gradient norm before clipping, and where its time went.
/// </summary>
public sealed record StepOutcome(
    long Step, double MeanLoss, long GlobalSamples, long LocalSamples, double GradNorm,
    double ComputeSeconds, double ReduceSeconds, double TotalSeconds);
