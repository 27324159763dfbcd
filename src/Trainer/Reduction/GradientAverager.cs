namespace Orchestrator.Trainer.Reduction;

/// <summary>
/// Averages gradients over the global batch. Each worker hands in the gradient of the summed loss of
/// each of its micro-batches; the result is (sum over all micro-batches of all workers) / (samples).
///
/// Deterministic mode (train.deterministic) makes the sum order-free, so the weights do not depend on
/// the world size (DESIGN.md, "Determinism across world size"): every parameter segment gets one
/// power-of-two scale agreed from the global max |g| (an all-reduce max), gradients become int64 fixed
/// point and are added as integers, which any grouping adds exactly. The fast path adds float32.
/// </summary>
/// <remarks>
/// The float path goes over the wire in buckets of <paramref name="bucketBytes"/> (<see cref="GradientBuckets"/>),
/// so that copying one bucket overlaps the reduction of the previous; the fixed-point path sends one int64
/// buffer, which the ring pipelines in pieces of its own.
/// </remarks>
public sealed class GradientAverager(IAllReduce group, bool deterministic, int globalMicroBatches, long bucketBytes = GradientBuckets.DefaultBucketBytes)
{
    private GradientBuckets? _buckets;

    // The loss is reported, not differentiated: 2^32 keeps ~9 decimal digits of a per-micro-batch sum.
    private const int LossScaleExponent = 32;

    /// <summary>
    /// Reduces this worker's micro-batch gradients with every other worker's.
    /// <paramref name="microBatchGradients"/>: one flat array per micro-batch, all of the same layout;
    /// <paramref name="segmentOffsets"/>: start of each parameter in that layout, plus the total length at the end.
    /// </summary>
    public async Task<AveragedGradient> AverageAsync(
        IReadOnlyList<float[]> microBatchGradients,
        IReadOnlyList<double> microBatchLossSums,
        int[] segmentOffsets,
        long samples,
        CancellationToken cancellationToken)
    {
        int length = segmentOffsets[^1];
        var totals = new long[] { samples, 0 };
        foreach (double loss in microBatchLossSums)
        {
            totals[1] += (long)Math.Round(Math.ScaleB(loss, LossScaleExponent), MidpointRounding.ToEven);
        }
        await group.SumAsync(totals, cancellationToken).ConfigureAwait(false);
        long globalSamples = totals[0];
        if (globalSamples == 0)
        {
            throw new InvalidOperationException("every sample of the global batch was skipped; see the data skip counts");
        }
        double meanLoss = Math.ScaleB(totals[1], -LossScaleExponent) / globalSamples;

        var average = deterministic
            ? await FixedPointSumAsync(microBatchGradients, segmentOffsets, length, cancellationToken).ConfigureAwait(false)
            : await FloatSumAsync(microBatchGradients, segmentOffsets, cancellationToken).ConfigureAwait(false);
        float inverse = 1f / globalSamples;
        for (int i = 0; i < average.Length; i++)
        {
            average[i] *= inverse;
        }
        return new AveragedGradient(average, meanLoss, globalSamples);
    }

    private async Task<float[]> FixedPointSumAsync(
        IReadOnlyList<float[]> gradients, int[] segmentOffsets, int length, CancellationToken cancellationToken)
    {
        int segments = segmentOffsets.Length - 1;
        var maxima = new float[segments];
        for (int s = 0; s < segments; s++)
        {
            foreach (var g in gradients)
            {
                for (int i = segmentOffsets[s]; i < segmentOffsets[s + 1]; i++)
                {
                    float magnitude = MathF.Abs(g[i]);
                    if (!float.IsFinite(magnitude))
                    {
                        throw new ArithmeticException($"non-finite gradient at element {i} (parameter segment {s})");
                    }
                    maxima[s] = MathF.Max(maxima[s], magnitude);
                }
            }
        }
        await group.MaxAsync(maxima, cancellationToken).ConfigureAwait(false);

        // Scale so that |g| * 2^k <= 2^(60 - ceil(log2 M)): a sum of M terms stays below 2^60 < 2^63.
        int headroom = 60 - (int)Math.Ceiling(Math.Log2(Math.Max(globalMicroBatches, 1)));
        var exponents = new int[segments];
        for (int s = 0; s < segments; s++)
        {
            exponents[s] = maxima[s] == 0f ? 0 : headroom - (Math.ILogB(maxima[s]) + 1);
        }

        var fixedPoint = new long[length];
        foreach (var g in gradients)
        {
            for (int s = 0; s < segments; s++)
            {
                int k = exponents[s];
                for (int i = segmentOffsets[s]; i < segmentOffsets[s + 1]; i++)
                {
                    fixedPoint[i] += (long)Math.Round(Math.ScaleB(g[i], k), MidpointRounding.ToEven);
                }
            }
        }
        await group.SumAsync(fixedPoint, cancellationToken).ConfigureAwait(false);

        var sum = new float[length];
        for (int s = 0; s < segments; s++)
        {
            int k = exponents[s];
            for (int i = segmentOffsets[s]; i < segmentOffsets[s + 1]; i++)
            {
                sum[i] = (float)Math.ScaleB(fixedPoint[i], -k);
            }
        }
        return sum;
    }

    private async Task<float[]> FloatSumAsync(IReadOnlyList<float[]> gradients, int[] segmentOffsets, CancellationToken cancellationToken)
    {
        int length = segmentOffsets[^1];
        var sum = new float[length];
        foreach (var g in gradients)
        {
            for (int i = 0; i < length; i++)
            {
                sum[i] += g[i];
            }
        }
        _buckets ??= new GradientBuckets([.. segmentOffsets.Zip(segmentOffsets.Skip(1), (a, b) => (long)(b - a))], bucketBytes);
        await _buckets.SumAsync(group, sum, cancellationToken).ConfigureAwait(false);
        return sum;
    }
}

/// <summary>The global-batch mean gradient (flat, in the workers' common layout), mean loss and sample count.</summary>
public sealed record AveragedGradient(float[] Gradient, double MeanLoss, long Samples);
