namespace Orchestrator.DataLoader.Sampling;

/// <summary>
/// A seeded block-wise permutation of rows 0..rows-1, one per epoch: rows are cut into blocks of
/// BlockSize consecutive rows (the last may be short), and both the block order and the rows within
/// each block are shuffled (SplitMix64 + Fisher-Yates), so that neighbouring positions read few row groups.
/// </summary>
internal sealed class BlockPermutation
{
    private const int CachedBlocks = 8;

    private readonly Func<long, ulong> _epochSeed;
    private readonly Lock _lock = new();
    private readonly LinkedList<(long Block, int[] Order)> _blockOrders = new();
    private long _cachedEpoch = -1;
    private long[] _blockOrder = [];
    private long _shortSlot;

    /// <param name="rows">Rows permuted, at least 1.</param>
    /// <param name="blockSize">Rows per block.</param>
    /// <param name="epochSeed">The seed of each epoch's permutation.</param>
    public BlockPermutation(long rows, int blockSize, Func<long, ulong> epochSeed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        Rows = rows;
        BlockSize = blockSize;
        _epochSeed = epochSeed;
        BlockCount = (rows + blockSize - 1) / blockSize;
        LastBlockSize = (int)(rows - ((BlockCount - 1) * blockSize));
    }

    public long Rows { get; }
    public int BlockSize { get; }
    private long BlockCount { get; }
    private int LastBlockSize { get; }

    /// <summary>The first row and the length of the block holding <paramref name="row"/>.</summary>
    public (long Start, int Length) BlockOf(long row)
    {
        long block = row / BlockSize;
        return (block * BlockSize, block == BlockCount - 1 ? LastBlockSize : BlockSize);
    }

    /// <summary>The row at position <paramref name="index"/> (0..Rows-1) of epoch <paramref name="epoch"/>'s permutation.</summary>
    public long At(long epoch, long index)
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
            var random = new SplitMix64(_epochSeed(epoch));
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

        var random = new SplitMix64(SplitMix64.Combine(_epochSeed(epoch), (ulong)block));
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
