using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Trainer.Reduction;

/// <summary>
/// Parameter gradients flattened into buckets of about <see cref="BucketBytes"/> (25 MiB by default, as
/// PyTorch DDP) and summed bucket by bucket: bucket k is on the wire while bucket k + 1 is copied in and
/// bucket k - 1 copied out. Parameters go into buckets last first, as DDP does, because backward produces
/// their gradients in roughly that order; a parameter larger than a bucket gets a bucket of its own.
/// TorchSharp 0.107 has no per-parameter gradient hooks, so a bucket cannot start before backward ends
/// (docs/allreduce.md). The bucket arrays are allocated once and reused every step, so each worker owns its own instance.
/// </summary>
public sealed class GradientBuckets
{
    public const long DefaultBucketBytes = 25L * 1024 * 1024;

    private readonly long[] _offsets;
    private readonly float[][] _buckets;
    private readonly int[][] _members;

    /// <param name="parameterElements">element count of each parameter, in the model's parameter order</param>
    /// <param name="bucketBytes">float32 bytes per bucket</param>
    public GradientBuckets(IReadOnlyList<long> parameterElements, long bucketBytes = DefaultBucketBytes)
    {
        ArgumentNullException.ThrowIfNull(parameterElements);
        if (bucketBytes < sizeof(float))
            throw new ArgumentOutOfRangeException(nameof(bucketBytes), bucketBytes, "a bucket must hold at least one float32 (4 bytes)");
        _offsets = new long[parameterElements.Count + 1];
        for (int p = 0; p < parameterElements.Count; p++)
        {
            if (parameterElements[p] < 0)
                throw new ArgumentOutOfRangeException(nameof(parameterElements), parameterElements[p], $"parameter {p} has a negative element count");
            _offsets[p + 1] = _offsets[p] + parameterElements[p];
        }
        BucketBytes = bucketBytes;

        long capacity = bucketBytes / sizeof(float);
        var members = new List<int[]>();
        var current = new List<int>();
        long filled = 0;
        for (int p = parameterElements.Count - 1; p >= 0; p--)
        {
            if (current.Count > 0 && filled + parameterElements[p] > capacity)
            {
                members.Add([.. current]);
                current.Clear();
                filled = 0;
            }
            current.Add(p);
            filled += parameterElements[p];
        }
        if (current.Count > 0)
        {
            members.Add([.. current]);
        }
        _members = [.. members];
        _buckets = _members.Select(m => new float[m.Sum(p => parameterElements[p])]).ToArray();
    }

    public long BucketBytes { get; }

    /// <summary>Parameter indices of each bucket, in the order they are reduced.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Buckets => _members;

    /// <summary>
    /// Sums <paramref name="gradients"/> (one float32 CPU tensor per parameter, the shapes' element counts
    /// given at construction) over <paramref name="group"/>, in place.
    /// </summary>
    public Task SumAsync(IAllReduce group, IReadOnlyList<Tensor> gradients, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(gradients);
        if (gradients.Count != _offsets.Length - 1)
            throw new ArgumentException($"{gradients.Count} gradients given; expected one per parameter, {_offsets.Length - 1}", nameof(gradients));
        for (int p = 0; p < gradients.Count; p++)
        {
            var g = gradients[p];
            if (g is null || g.dtype != ScalarType.Float32 || g.device_type != DeviceType.CPU || !g.is_contiguous() || g.numel() != Elements(p))
                throw new ArgumentException(
                    $"gradient {p} is {Describe(g)}; expected a contiguous float32 CPU tensor of {Elements(p)} elements (zeros for an unused parameter)", nameof(gradients));
        }
        return PipelineAsync(group,
            (p, target) => gradients[p].data<float>().CopyTo(target),
            (p, source) => gradients[p].data<float>().CopyFrom(source),
            cancellationToken);
    }

    /// <summary>Sums a flat gradient (the parameters concatenated in order) over <paramref name="group"/>, in place.</summary>
    public Task SumAsync(IAllReduce group, float[] flat, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(flat);
        if (flat.Length != _offsets[^1])
            throw new ArgumentException($"the flat gradient has {flat.Length} elements; expected {_offsets[^1]}", nameof(flat));
        return PipelineAsync(group,
            (p, target) => flat.AsSpan((int)_offsets[p], target.Length).CopyTo(target),
            (p, source) => source.CopyTo(flat.AsSpan((int)_offsets[p], source.Length)),
            cancellationToken);
    }

    private async Task PipelineAsync(IAllReduce group, CopyIn copyIn, CopyOut copyOut, CancellationToken cancellationToken)
    {
        if (_buckets.Length == 0)
        {
            return;
        }
        Fill(0, copyIn);
        var inFlight = group.SumAsync(_buckets[0], cancellationToken);
        for (int k = 1; k < _buckets.Length; k++)
        {
            Fill(k, copyIn);
            await inFlight.ConfigureAwait(false);
            inFlight = group.SumAsync(_buckets[k], cancellationToken);
            Drain(k - 1, copyOut);
        }
        await inFlight.ConfigureAwait(false);
        Drain(_buckets.Length - 1, copyOut);
    }

    private void Fill(int bucket, CopyIn copyIn)
    {
        int at = 0;
        foreach (int p in _members[bucket])
        {
            int length = (int)Elements(p);
            copyIn(p, _buckets[bucket].AsSpan(at, length));
            at += length;
        }
    }

    private void Drain(int bucket, CopyOut copyOut)
    {
        int at = 0;
        foreach (int p in _members[bucket])
        {
            int length = (int)Elements(p);
            copyOut(p, _buckets[bucket].AsSpan(at, length));
            at += length;
        }
    }

    private long Elements(int parameter) => _offsets[parameter + 1] - _offsets[parameter];

    private static string Describe(Tensor? g) =>
        g is null ? "null" : $"a {g.dtype} {g.device_type} tensor of {g.numel()} elements{(g.is_contiguous() ? "" : ", not contiguous")}";

    private delegate void CopyIn(int parameter, Span<float> target);

    private delegate void CopyOut(int parameter, ReadOnlySpan<float> source);
}
