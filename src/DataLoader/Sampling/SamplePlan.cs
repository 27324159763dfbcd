using Orchestrator.Core.Sampling;

namespace Orchestrator.DataLoader.Sampling;

/// <summary>
/// Which global row each position of each global step reads: a seeded, block-wise permutation of
/// all rows per epoch, cut into global batches (DESIGN.md, "Data: sample plan and cursor").
/// </summary>
/// <remarks>
/// The rows are cut into blocks of <see cref="BlockSize"/> consecutive rows (the last may be
/// short). Each epoch permutes the order of the blocks and the rows within each block, so that one
/// global batch reads a few blocks, hence few row groups, while every row is still visited once.
/// The permutation of epoch e is seeded from SampleSeed.Derive(seed, e, 0, Permutation) and drawn
/// with SplitMix64 + Fisher-Yates, so it is the same on every .NET version.
/// Step s of the run takes positions [k*B, (k+1)*B) of its epoch's permutation, k = s mod
/// StepsPerEpoch, B = global batch. The last TotalRows mod B positions of each epoch are dropped
/// (no partial batch); since each epoch permutes afresh, a dropped row is not the same every epoch.
/// The sample index of position p of step s, used to seed every random draw of that sample, is
/// s*B + p: it depends on neither the worker nor the world size.
/// </remarks>
public sealed class SamplePlan
{
    private const int CachedBlocks = 8;

    private readonly Lock _lock = new();
    private readonly LinkedList<(long Block, int[] Order)> _blockOrders = new();
    private long _cachedEpoch = -1;
    private long[] _blockOrder = [];
    private long _shortSlot;

    public SamplePlan(long totalRows, int globalBatch, long seed, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(globalBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        if (totalRows < globalBatch)
        {
            throw new ArgumentException(
                $"The dataset has {totalRows} rows, fewer than one global batch of {globalBatch}.", nameof(totalRows));
        }

        TotalRows = totalRows;
        GlobalBatch = globalBatch;
        Seed = seed;
        BlockSize = blockSize;
        StepsPerEpoch = totalRows / globalBatch;
        BlockCount = (totalRows + blockSize - 1) / blockSize;
        LastBlockSize = (int)(totalRows - ((BlockCount - 1) * blockSize));
    }

    public long TotalRows { get; }
    public int GlobalBatch { get; }
    public long Seed { get; }
    public int BlockSize { get; }

    /// <summary>Whole global batches per epoch; a partial last batch is dropped.</summary>
    public long StepsPerEpoch { get; }

    private long BlockCount { get; }
    private int LastBlockSize { get; }

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

    /// <summary>The global row read by position 0..B-1 of global step <paramref name="step"/>.</summary>
    public long RowAt(long step, int position)
    {
        CheckPosition(position);
        long epoch = Epoch(step);
        long index = ((step % StepsPerEpoch) * GlobalBatch) + position;
        return Permute(epoch, index);
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

    // Position `index` of epoch `epoch`'s permutation -> global row.
    private long Permute(long epoch, long index)
    {
        lock (_lock)
        {
            long[] blockOrder = BlockOrder(epoch);

            // Every placed block holds BlockSize rows except the short last block, wherever it landed.
            long shortSlot = _shortSlot;
            long shortStart = shortSlot * BlockSize;
            long slot;
            long offset;
            if (index < shortStart)
            {
                slot = index / BlockSize;
                offset = index % BlockSize;
            }
            else if (index < shortStart + LastBlockSize)
            {
                slot = shortSlot;
                offset = index - shortStart;
            }
            else
            {
                long rest = index - shortStart - LastBlockSize;
                slot = shortSlot + 1 + (rest / BlockSize);
                offset = rest % BlockSize;
            }

            long block = blockOrder[slot];
            return (block * BlockSize) + RowOrder(epoch, block)[offset];
        }
    }

    private long[] BlockOrder(long epoch)
    {
        if (epoch != _cachedEpoch)
        {
            var random = new SplitMix64(EpochSeed(epoch));
            _blockOrder = Shuffled(BlockCount, ref random);
            _shortSlot = Array.IndexOf(_blockOrder, BlockCount - 1);
            _blockOrders.Clear();
            _cachedEpoch = epoch;
        }

        return _blockOrder;
    }

    private int[] RowOrder(long epoch, long block)
    {
        for (var node = _blockOrders.First; node is not null; node = node.Next)
        {
            if (node.Value.Block == block)
            {
                _blockOrders.Remove(node);
                _blockOrders.AddFirst(node);
                return node.Value.Order;
            }
        }

        var random = new SplitMix64(SplitMix64.Combine(EpochSeed(epoch), (ulong)block));
        int size = block == BlockCount - 1 ? LastBlockSize : BlockSize;
        long[] order = Shuffled(size, ref random);
        int[] rows = Array.ConvertAll(order, r => (int)r);
        _blockOrders.AddFirst((block, rows));
        if (_blockOrders.Count > CachedBlocks)
        {
            _blockOrders.RemoveLast();
        }

        return rows;
    }

    private ulong EpochSeed(long epoch) => (ulong)SampleSeed.Derive(Seed, epoch, 0, SampleSeed.Purpose.Permutation);

    // Fisher-Yates (Knuth, TAOCP vol. 2, Algorithm P) over 0..n-1.
    private static long[] Shuffled(long n, ref SplitMix64 random)
    {
        var items = new long[n];
        for (long i = 0; i < n; i++)
        {
            items[i] = i;
        }

        for (long i = n - 1; i > 0; i--)
        {
            long j = (long)random.NextBelow((ulong)(i + 1));
            (items[i], items[j]) = (items[j], items[i]);
        }

        return items;
    }
}
