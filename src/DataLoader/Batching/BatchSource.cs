using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Text;
using static TorchSharp.torch;

namespace Orchestrator.DataLoader.Batching;

/// <summary>
/// Reads the rows of positions [start, start+count) of a global step from the shards, decodes and
/// tokenizes them on a fixed number of threads and collates them into a <see cref="TrainingBatch"/>.
/// </summary>
/// <remarks>
/// Rows are grouped by shard and row group, and each row group's key, caption and image columns
/// are read once (Parquet.Net reads a column a whole row group at a time); the last few row groups
/// stay cached, since the block-wise plan makes neighbouring steps read the same ones. Unusable
/// rows, and the rows of a row group that cannot be read, are skipped, counted in the
/// <see cref="SkipCounter"/> with shard, row and reason, and left out of the batch: one damaged shard
/// does not end a run. Column names come from each shard's source (its ColumnMap in the catalog).
/// </remarks>
public sealed class BatchSource
{
    private readonly ShardCatalog _catalog;
    private readonly SamplePlan _plan;
    private readonly int _imageSize;
    private readonly CaptionTokenizer _tokenizer;
    private readonly int _decodeThreads;
    private readonly SkipCounter _skips;
    private readonly int _cachedRowGroups;
    private readonly Lock _cacheLock = new();
    private readonly LinkedList<((int Shard, int RowGroup) Id, RowGroupCells Cells)> _cache = new();

    public BatchSource(
        ShardCatalog catalog,
        SamplePlan plan,
        int imageSize,
        CaptionTokenizer tokenizer,
        int decodeThreads,
        SkipCounter skips,
        int cachedRowGroups = 8)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(skips);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(decodeThreads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cachedRowGroups, 1);
        if (plan.TotalRows != catalog.TotalRows)
        {
            throw new ArgumentException(
                $"The sample plan covers {plan.TotalRows} rows but the shards hold {catalog.TotalRows}.", nameof(plan));
        }

        _catalog = catalog;
        _plan = plan;
        _imageSize = imageSize;
        _tokenizer = tokenizer;
        _decodeThreads = decodeThreads;
        _skips = skips;
        _cachedRowGroups = cachedRowGroups;
    }

    /// <summary>The usable samples of positions [<paramref name="start"/>, <paramref name="start"/>+<paramref name="count"/>) of global step <paramref name="step"/>, in position order.</summary>
    public async Task<TrainingBatch> ReadAsync(long step, int start, int count, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, _plan.GlobalBatch);

        var locations = new RowLocation[count];
        for (int i = 0; i < count; i++)
        {
            locations[i] = _catalog.Locate(_plan.RowAt(step, start + i));
        }

        var cells = new Dictionary<(int, int), RowGroupCells>();
        var failures = new Dictionary<(int, int), ShardException>();
        foreach ((int, int) id in locations.Select(l => (l.Shard.Index, l.RowGroup)).Distinct())
        {
            try
            {
                cells[id] = await CellsAsync(_catalog.Shards[id.Item1], id.Item2, ct);
            }
            catch (ShardException e)
            {
                failures[id] = e;
            }
        }

        var samples = new Sample?[count];
        var reasons = new RowSkipReason[count];
        await Task.Run(
            () => Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = _decodeThreads, CancellationToken = ct }, i =>
            {
                RowLocation at = locations[i];
                if (cells.TryGetValue((at.Shard.Index, at.RowGroup), out RowGroupCells? group))
                {
                    samples[i] = Load(group, at.RowInGroup, _imageSize, out reasons[i]);
                }
                else
                {
                    reasons[i] = RowSkipReason.UnreadableRowGroup;
                }
            }),
            ct);

        // Skips are recorded in position order so that the log reads the same on every run.
        for (int i = 0; i < count; i++)
        {
            if (samples[i] is null)
            {
                RowLocation at = locations[i];
                failures.TryGetValue((at.Shard.Index, at.RowGroup), out ShardException? failure);
                _skips.Record(reasons[i], at.Shard.Path, at.RowInShard, failure?.Message);
            }
        }

        int[] kept = Enumerable.Range(0, count).Where(i => samples[i] is not null).ToArray();
        return Collate(step, start, kept, samples);
    }

    /// <summary>
    /// The first <paramref name="count"/> usable rows of <paramref name="catalog"/> in shard order
    /// (fewer when the shards hold fewer): the held-out real images an evaluator compares generated
    /// ones with. Rows that cannot be used are skipped and, when <paramref name="skips"/> is given, counted.
    /// </summary>
    public static async Task<IReadOnlyList<HeldOutImage>> ReadFirstAsync(
        ShardCatalog catalog, int count, int imageSize, SkipCounter? skips = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 1);
        var images = new List<HeldOutImage>(count);
        foreach (ShardInfo shard in catalog.Shards)
        {
            for (int g = 0; g < shard.RowGroupRows.Count && images.Count < count; g++)
            {
                RowGroupCells group;
                try
                {
                    group = await RowGroupReader.ReadAsync(shard, g, ct);
                }
                catch (ShardException e)
                {
                    for (long r = 0; r < shard.RowGroupRows[g]; r++)
                    {
                        skips?.Record(RowSkipReason.UnreadableRowGroup, shard.Path, shard.RowGroupStart(g) + r, e.Message);
                    }

                    continue;
                }

                for (int r = 0; r < group.Keys.Length && images.Count < count; r++)
                {
                    ct.ThrowIfCancellationRequested();
                    if (Load(group, r, imageSize, out RowSkipReason reason) is { } sample)
                    {
                        images.Add(new HeldOutImage(group.Keys[r], sample.Caption, sample.Chw));
                    }
                    else
                    {
                        skips?.Record(reason, shard.Path, shard.RowGroupStart(g) + r);
                    }
                }
            }
        }

        return images;
    }

    private static Sample? Load(RowGroupCells group, int row, int imageSize, out RowSkipReason reason)
    {
        string? caption = group.Captions[row];
        return RowDecoder.TryDecode(group.Images[row], caption, imageSize, out float[]? chw, out reason)
            ? new Sample(group.Keys[row], caption!, chw)
            : null;
    }

    private TrainingBatch Collate(long step, int start, int[] kept, Sample?[] samples)
    {
        int n = kept.Length;
        int pixels = 3 * _imageSize * _imageSize;
        int length = _tokenizer.MaxTokens;
        var images = new float[n * pixels];
        var tokens = new long[n * length];
        var indices = new long[n];
        var keys = new string[n];
        var captions = new string[n];
        for (int k = 0; k < n; k++)
        {
            Sample sample = samples[kept[k]]!;
            sample.Chw.CopyTo(images, k * pixels);
            _tokenizer.Encode(sample.Caption).CopyTo(tokens, k * length);
            indices[k] = _plan.SampleIndex(step, start + kept[k]);
            keys[k] = sample.Key;
            captions[k] = sample.Caption;
        }

        // Detached so that a dispose scope the caller may have open does not free the batch's tensors.
        Tensor imageTensor = tensor(images, [n, 3, 1, _imageSize, _imageSize], ScalarType.Float32).DetachFromDisposeScope();
        Tensor tokenTensor = tensor(tokens, [n, length], ScalarType.Int64).DetachFromDisposeScope();
        return new TrainingBatch(step, _plan.Epoch(step), imageTensor, tokenTensor, indices, keys, captions);
    }

    private async Task<RowGroupCells> CellsAsync(ShardInfo shard, int rowGroup, CancellationToken ct)
    {
        (int, int) id = (shard.Index, rowGroup);
        lock (_cacheLock)
        {
            for (var node = _cache.First; node is not null; node = node.Next)
            {
                if (node.Value.Id == id)
                {
                    _cache.Remove(node);
                    _cache.AddFirst(node);
                    return node.Value.Cells;
                }
            }
        }

        RowGroupCells cells = await RowGroupReader.ReadAsync(shard, rowGroup, ct);
        lock (_cacheLock)
        {
            _cache.AddFirst((id, cells));
            if (_cache.Count > _cachedRowGroups)
            {
                _cache.RemoveLast();
            }
        }

        return cells;
    }

    private sealed record Sample(string Key, string Caption, float[] Chw);
}
