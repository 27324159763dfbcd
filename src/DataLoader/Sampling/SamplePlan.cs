using Orchestrator.Core.Sampling;
using Orchestrator.DataLoader.Shards;

namespace Orchestrator.DataLoader.Sampling;

/// <summary>
/// Which global row each position of each global step reads, and which rows replace it when it
/// cannot be used: a pure function of (seed, step, position, attempt), so that neither the worker,
/// the world size nor a resume changes it (DESIGN.md, "Data: sample plan and cursor"; docs/data-loader.md).
/// </summary>
/// <remarks>
/// The sample index of position p of step s is s*B + p (B the global batch); every random draw of
/// the sample is seeded from it. Each position belongs to one dataset (<see cref="DatasetMix"/>:
/// seeded quotas per step in proportion to the weights) and is that dataset's next sample n; sample
/// n of a dataset of R rows is position n mod R of its epoch floor(n / R) block-wise permutation
/// (<see cref="BlockPermutation"/>), seeded from SampleSeed.Derive(seed, epoch, dataset, Permutation).
/// So every row of a dataset is read once before any is read again, and the rows a step leaves
/// over start the next step rather than being dropped. <see cref="StepsPerEpoch"/> is the total
/// rows of all datasets divided by B: the unit of train.epochs and of the epoch in sample seeds.
/// A row that cannot be used (filtered out, undecodable) is replaced by <see cref="Candidate"/>
/// attempt 1, 2, ...: a row of the same dataset (so the mix keeps its weights) drawn from a seeded
/// stream of (seed, epoch, sample index, attempt); the first <see cref="NearbyAttempts"/> draws stay
/// within the block of the planned row (same row group: no extra read), the later ones anywhere in
/// the dataset (a whole unreadable row group cannot exhaust them). A replacement is a usable row
/// that is also read at its own planned position, so it is read twice in its epoch.
/// </remarks>
public sealed class SamplePlan
{
    /// <summary>Replacement attempts drawn from the planned row's own block before the whole dataset.</summary>
    public const int NearbyAttempts = 4;

    private const ulong ReplacementStream = 0x5E9A;

    private readonly PlanDataset[] _datasets;
    private readonly BlockPermutation[] _permutations;
    private readonly DatasetMix _mix;

    /// <summary>A plan over several datasets mixed by weight.</summary>
    public SamplePlan(IReadOnlyList<PlanDataset> datasets, int globalBatch, long seed)
    {
        ArgumentNullException.ThrowIfNull(datasets);
        ArgumentOutOfRangeException.ThrowIfLessThan(globalBatch, 1);
        if (datasets.Count == 0)
        {
            throw new ArgumentException("A sample plan needs at least one dataset.", nameof(datasets));
        }

        for (int d = 0; d < datasets.Count; d++)
        {
            PlanDataset dataset = datasets[d];
            if (dataset.RowCount < 1)
            {
                throw new ArgumentException($"Dataset {d} has no rows.", nameof(datasets));
            }

            if (!(dataset.Weight > 0) || !double.IsFinite(dataset.Weight))
            {
                throw new ArgumentException($"Dataset {d} has weight {dataset.Weight}; expected a positive number.", nameof(datasets));
            }

            ArgumentOutOfRangeException.ThrowIfLessThan(dataset.BlockSize, 1, nameof(datasets));
        }

        long totalRows = datasets.Sum(d => d.RowCount);
        if (totalRows < globalBatch)
        {
            throw new ArgumentException(
                $"The dataset has {totalRows} rows, fewer than one global batch of {globalBatch}.", nameof(datasets));
        }

        _datasets = [.. datasets];
        TotalRows = totalRows;
        GlobalBatch = globalBatch;
        Seed = seed;
        StepsPerEpoch = totalRows / globalBatch;
        _permutations = new BlockPermutation[_datasets.Length];
        for (int d = 0; d < _datasets.Length; d++)
        {
            long dataset = d;
            _permutations[d] = new BlockPermutation(_datasets[d].RowCount, _datasets[d].BlockSize,
                epoch => (ulong)SampleSeed.Derive(seed, epoch, dataset, SampleSeed.Purpose.Permutation));
        }

        _mix = new DatasetMix([.. _datasets.Select(d => d.Weight)], globalBatch, (ulong)SampleSeed.Derive(seed, -1, 0, SampleSeed.Purpose.Permutation));
    }

    /// <summary>A plan over one dataset of <paramref name="totalRows"/> rows.</summary>
    public SamplePlan(long totalRows, int globalBatch, long seed, int blockSize)
        : this([new PlanDataset(0, totalRows, 1.0, blockSize)], globalBatch, seed)
    {
    }

    public long TotalRows { get; }
    public int GlobalBatch { get; }
    public long Seed { get; }
    public IReadOnlyList<PlanDataset> Datasets => _datasets;

    /// <summary>Global batches in one epoch: all datasets' rows divided by the global batch.</summary>
    public long StepsPerEpoch { get; }

    /// <summary>The plan of a catalog's sources: one dataset per source, weighted as the spec says, blocks the size of its largest row group.</summary>
    public static SamplePlan For(ShardCatalog catalog, int globalBatch, long seed)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new SamplePlan(
            [.. catalog.Sources.Select(s => new PlanDataset(s.FirstRow, s.RowCount, s.Spec.Weight, s.LargestRowGroupRows))],
            globalBatch, seed);
    }

    /// <summary>The epoch that global step <paramref name="step"/> belongs to.</summary>
    public long Epoch(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return step / StepsPerEpoch;
    }

    /// <summary>The index of a sample within the run: step*B + position (the key of its random draws).</summary>
    public long SampleIndex(long step, int position)
    {
        CheckPosition(position);
        return (step * GlobalBatch) + position;
    }

    /// <summary>The dataset (index into <see cref="Datasets"/>) that position <paramref name="position"/> of step <paramref name="step"/> draws from.</summary>
    public int DatasetAt(long step, int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        CheckPosition(position);
        return _mix.At(step, position).Dataset;
    }

    /// <summary>The global row planned for position 0..B-1 of global step <paramref name="step"/>.</summary>
    public long RowAt(long step, int position) => Candidate(step, position, 0);

    /// <summary>
    /// The global row tried for position <paramref name="position"/> of step <paramref name="step"/>
    /// at attempt <paramref name="attempt"/>: 0 is the planned row, 1, 2, ... its replacements.
    /// </summary>
    public long Candidate(long step, int position, int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        CheckPosition(position);
        (int d, long number) = _mix.At(step, position);
        PlanDataset dataset = _datasets[d];
        BlockPermutation permutation = _permutations[d];
        long planned = permutation.At(number / dataset.RowCount, number % dataset.RowCount);
        if (attempt == 0)
        {
            return dataset.FirstRow + planned;
        }

        ulong stream = (ulong)SampleSeed.Derive(Seed, Epoch(step), SampleIndex(step, position), SampleSeed.Purpose.Permutation);
        var random = new SplitMix64(SplitMix64.Combine(SplitMix64.Combine(stream, ReplacementStream), (ulong)attempt));
        if (attempt <= NearbyAttempts)
        {
            (long start, int length) = permutation.BlockOf(planned);
            return dataset.FirstRow + start + (long)random.NextBelow((ulong)length);
        }

        return dataset.FirstRow + (long)random.NextBelow((ulong)dataset.RowCount);
    }

    /// <summary>
    /// The contiguous part [Start, Start+Count) of the global batch that worker <paramref name="rank"/>
    /// of <paramref name="worldSize"/> computes: whole micro-batches, shares differing by at most one
    /// micro-batch (lower ranks take the extra ones), together covering [0, B) exactly.
    /// </summary>
    public (int Start, int Count) WorkerSlice(int rank, int worldSize, int microBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, worldSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(microBatch, 1);
        if (GlobalBatch % microBatch != 0)
        {
            throw new ArgumentException(
                $"The micro-batch {microBatch} does not divide the global batch {GlobalBatch}.", nameof(microBatch));
        }

        int microBatches = GlobalBatch / microBatch;
        int share = microBatches / worldSize;
        int extra = microBatches % worldSize;
        int first = (rank * share) + Math.Min(rank, extra);
        int count = share + (rank < extra ? 1 : 0);
        return (first * microBatch, count * microBatch);
    }

    private void CheckPosition(int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(position, GlobalBatch);
    }
}
