using System.Runtime.InteropServices;
using Orchestrator.Core.Telemetry;
using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Filtering;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Text;
using Orchestrator.DataLoader.Video;
using static TorchSharp.torch;

namespace Orchestrator.DataLoader.Batching;

/// <summary>
/// Reads the rows of positions [start, start+count) of a global step from the shards, filters them
/// on their metadata, decodes and tokenizes them on a fixed number of threads, replaces the rows
/// that cannot be used by the plan's next candidates, and collates them into a full <see cref="TrainingBatch"/>.
/// </summary>
/// <remarks>
/// Rows are grouped by shard and row group, and each row group's key, caption, image and filter
/// columns are read once (Parquet.Net reads a column a whole row group at a time); the last few row
/// groups stay cached, since the block-wise plan makes neighbouring steps read the same ones. A row
/// that fails a filter (counted in the <see cref="FilterCounter"/>) is not decoded; a row that
/// cannot be decoded, or whose row group cannot be read, is counted in the <see cref="SkipCounter"/>
/// with shard, row and reason. Either way the position takes <see cref="SamplePlan.Candidate"/>
/// attempt 1, 2, ... until a row is usable: the batch stays full, and since the candidates depend
/// only on (seed, step, position, attempt), on no worker or world size, every world size reads the
/// same rows. After <see cref="MaxAttempts"/> attempts the read fails with <see cref="ReplacementExhaustedException"/>.
/// Column names come from each shard's source (its ColumnMap in the catalog). In a video run (<see cref="ClipRows"/>
/// given) every sample is a clip of F frames: video rows are cut by the clip sampler from the position's own sample
/// seed (so a replacement row, too, gets a start that no worker chooses) and their skips are counted in the
/// <see cref="ClipRows.Skips"/>; image rows are repeated to F frames and marked in <see cref="TrainingBatch.IsImage"/>.
/// </remarks>
public sealed class BatchSource
{
    /// <summary>Attempts per position (the planned row and its replacements) when none is given.</summary>
    public const int DefaultMaxAttempts = 32;

    private readonly ShardCatalog _catalog;
    private readonly SamplePlan _plan;
    private readonly int _imageSize;
    private readonly CaptionTokenizer _tokenizer;
    private readonly int _decodeThreads;
    private readonly SkipCounter _skips;
    private readonly FilterCounter _filtered;
    private readonly ClipRows? _clips;
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
        int cachedRowGroups = 8,
        FilterCounter? filtered = null,
        int maxAttempts = DefaultMaxAttempts,
        ClipRows? clips = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(skips);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(decodeThreads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cachedRowGroups, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
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
        _filtered = filtered ?? new FilterCounter();
        _cachedRowGroups = cachedRowGroups;
        MaxAttempts = maxAttempts;
        _clips = clips;
        RequireClipsForVideo(catalog, clips);
    }

    /// <summary>Rows tried per position (the planned row and its replacements) before a read fails.</summary>
    public int MaxAttempts { get; }

    public SamplePlan Plan => _plan;

    /// <summary>Frames of every sample: the clip length in a video run, 1 otherwise.</summary>
    public int Frames => _clips?.Frames ?? 1;

    /// <summary>
    /// The samples of positions [<paramref name="start"/>, <paramref name="start"/>+<paramref name="count"/>)
    /// of global step <paramref name="step"/>, in position order, every position filled (by a replacement row where the planned one is unusable).
    /// </summary>
    public async Task<TrainingBatch> ReadAsync(long step, int start, int count, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, _plan.GlobalBatch);

        long began = System.Diagnostics.Stopwatch.GetTimestamp();

        // (count, 3, F, S, S) in libtorch's own memory: each row is decoded straight into its slot, so
        // a batch makes no per-image or per-batch float arrays (large-object-heap garbage at 256 px).
        Tensor images = empty([count, 3, Frames, _imageSize, _imageSize], ScalarType.Float32).DetachFromDisposeScope();
        try
        {
            var rows = new DecodedRow?[count];
            var lastProblem = new string[count];
            int[] pending = [.. Enumerable.Range(0, count)];
            for (int attempt = 0; pending.Length > 0; attempt++)
            {
                if (attempt == MaxAttempts)
                {
                    int i = pending[0];
                    throw new ReplacementExhaustedException(
                        $"Step {step}, position {start + i} (sample {_plan.SampleIndex(step, start + i)}): no usable row in {MaxAttempts} " +
                        $"attempts (the planned row and {MaxAttempts - 1} replacements; last: {lastProblem[i]}); " +
                        $"{pending.Length} position(s) of this read are short. Check the dataset's filters and shards.");
                }

                pending = await TryAttemptAsync(step, start, attempt, pending, images, rows, lastProblem, ct);
            }

            OrchestratorTelemetry.RecordDecodeDuration(System.Diagnostics.Stopwatch.GetElapsedTime(began).TotalSeconds);
            return Collate(step, start, rows, images);
        }
        catch
        {
            images.Dispose();
            throw;
        }
    }

    // Tries attempt `attempt` for the positions in `pending` (relative to start), decoding each usable
    // row into its slot of `images`; returns the positions still without a usable row.
    private async Task<int[]> TryAttemptAsync(
        long step, int start, int attempt, int[] pending, Tensor images, DecodedRow?[] rows, string[] lastProblem, CancellationToken ct)
    {
        var locations = new RowLocation[pending.Length];
        for (int k = 0; k < pending.Length; k++)
        {
            locations[k] = _catalog.Locate(_plan.Candidate(step, start + pending[k], attempt));
        }

        OrchestratorTelemetry.AddRowsRead(pending.Length);
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

        // Filters first, on metadata only: a filtered row is never decoded.
        var rejected = new RowFilter?[pending.Length];
        for (int k = 0; k < pending.Length; k++)
        {
            RowLocation at = locations[k];
            if (cells.TryGetValue((at.Shard.Index, at.RowGroup), out RowGroupCells? group))
            {
                rejected[k] = at.Shard.Filters.Rejects(group, at.RowInGroup);
            }
        }

        int pixels = 3 * Frames * _imageSize * _imageSize;
        var decoded = new bool[pending.Length];
        var isImage = new bool[pending.Length];
        var reasons = new RowSkipReason[pending.Length];
        var videoProblems = new VideoRowException?[pending.Length];
        long epoch = _plan.Epoch(step);
        await Task.Run(
            () => Parallel.For(0, pending.Length, new ParallelOptions { MaxDegreeOfParallelism = _decodeThreads, CancellationToken = ct }, k =>
            {
                RowLocation at = locations[k];
                if (rejected[k] is not null)
                {
                    return;
                }

                if (cells.TryGetValue((at.Shard.Index, at.RowGroup), out RowGroupCells? group))
                {
                    // The slot of position pending[k], in the tensor's native memory (alive: the caller holds it).
                    Span<float> slot = MemoryMarshal.Cast<byte, float>(images.bytes).Slice(pending[k] * pixels, pixels);
                    decoded[k] = Load(at.Shard, group, at.RowInGroup, _imageSize, _clips, epoch, _plan.SampleIndex(step, start + pending[k]),
                        slot, out isImage[k], out reasons[k], out videoProblems[k]);
                }
                else if (at.Shard.Video is not null)
                {
                    videoProblems[k] = new VideoRowException(VideoSkipReason.UnreadableRowGroup, failures[(at.Shard.Index, at.RowGroup)].Message);
                }
                else
                {
                    reasons[k] = RowSkipReason.UnreadableRowGroup;
                }
            }),
            ct);

        // Filtered and skipped rows are recorded in position order so that the log reads the same on every run.
        var still = new List<int>();
        for (int k = 0; k < pending.Length; k++)
        {
            RowLocation at = locations[k];
            if (decoded[k])
            {
                RowGroupCells group = cells[(at.Shard.Index, at.RowGroup)];
                rows[pending[k]] = new DecodedRow(group.Keys[at.RowInGroup], group.Captions[at.RowInGroup]!, isImage[k]);
                continue;
            }

            if (rejected[k] is { } filter)
            {
                _filtered.Record(filter, at.Shard.Path, at.RowInShard);
                lastProblem[pending[k]] = $"row {at.RowInShard} of {at.Shard.Path} filtered out by {filter}";
            }
            else if (videoProblems[k] is { } problem)
            {
                _clips!.Skips.Record(problem.Reason, at.Shard.Path, at.RowInShard, problem.Detail);
                lastProblem[pending[k]] = $"row {at.RowInShard} of {at.Shard.Path}: {problem.Reason}";
            }
            else
            {
                failures.TryGetValue((at.Shard.Index, at.RowGroup), out ShardException? failure);
                _skips.Record(reasons[k], at.Shard.Path, at.RowInShard, failure?.Message);
                lastProblem[pending[k]] = $"row {at.RowInShard} of {at.Shard.Path}: {reasons[k]}";
            }

            still.Add(pending[k]);
        }

        return [.. still];
    }

    /// <summary>
    /// The first <paramref name="count"/> usable rows of <paramref name="catalog"/> in shard order
    /// (fewer when the shards hold fewer): the held-out real images an evaluator compares generated
    /// ones with. Rows that fail their source's filters are passed over; rows that cannot be decoded
    /// are skipped and, when <paramref name="skips"/> is given, counted. With <paramref name="clips"/>
    /// (a video run) each is a clip (3, F, S, S), the i-th cut with the seed of sample (epoch 0, index i).
    /// </summary>
    public static async Task<IReadOnlyList<HeldOutImage>> ReadFirstAsync(
        ShardCatalog catalog, int count, int imageSize, SkipCounter? skips = null, CancellationToken ct = default, ClipRows? clips = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 1);
        RequireClipsForVideo(catalog, clips);
        int pixels = 3 * (clips?.Frames ?? 1) * imageSize * imageSize;
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
                    if (shard.Filters.Rejects(group, r) is not null)
                    {
                        continue;
                    }

                    var chw = new float[pixels];
                    if (Load(shard, group, r, imageSize, clips, 0, images.Count, chw, out _, out RowSkipReason reason, out VideoRowException? problem))
                    {
                        images.Add(new HeldOutImage(group.Keys[r], group.Captions[r]!, chw));
                    }
                    else if (problem is not null)
                    {
                        clips!.Skips.Record(problem.Reason, shard.Path, shard.RowGroupStart(g) + r, problem.Detail);
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

    // Writes row `row` into `slot` (3, F, S, S): a video row its clip, or the reason in videoProblem; an image row its
    // pixels (repeated to F frames in a video run, and marked as an image), or the reason in reason.
    private static bool Load(
        ShardInfo shard, RowGroupCells group, int row, int imageSize, ClipRows? clips, long epoch, long sampleIndex,
        Span<float> slot, out bool isImage, out RowSkipReason reason, out VideoRowException? videoProblem)
    {
        reason = default;
        videoProblem = null;
        isImage = shard.Video is null;
        if (!isImage)
        {
            if (clips!.TryClip(shard, group, row, epoch, sampleIndex, out videoProblem) is not { } clip)
            {
                return false;
            }

            clip.CopyTo(slot);
            return true;
        }

        if (!RowDecoder.TryDecode(group.Images[row], group.Captions[row], imageSize, ImageDecoder.DefaultMaxPixels, slot[..(3 * imageSize * imageSize)], out reason))
        {
            return false;
        }

        clips?.RepeatInPlace(slot);
        return true;
    }

    private static void RequireClipsForVideo(ShardCatalog catalog, ClipRows? clips)
    {
        if (clips is null && catalog.Shards.FirstOrDefault(s => s.Video is not null) is { } video)
        {
            throw new ArgumentException(
                $"{video.Path} is a video shard ({video.Video}); video rows need the clip sampler (data.clip in the run spec).", nameof(clips));
        }
    }

    private TrainingBatch Collate(long step, int start, DecodedRow?[] rows, Tensor images)
    {
        int n = rows.Length;
        int length = _tokenizer.MaxTokens;
        var tokens = new long[n * length];
        var indices = new long[n];
        var keys = new string[n];
        var captions = new string[n];
        var isImage = new bool[n];
        for (int k = 0; k < n; k++)
        {
            DecodedRow row = rows[k]!;
            _tokenizer.Encode(row.Caption).CopyTo(tokens, k * length);
            indices[k] = _plan.SampleIndex(step, start + k);
            keys[k] = row.Key;
            captions[k] = row.Caption;
            isImage[k] = row.IsImage;
        }

        // Detached so that a dispose scope the caller may have open does not free the batch's tensors.
        Tensor tokenTensor = tensor(tokens, [n, length], ScalarType.Int64).DetachFromDisposeScope();
        return new TrainingBatch(step, _plan.Epoch(step), images, tokenTensor, indices, keys, captions) { IsImage = isImage };
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

    private sealed record DecodedRow(string Key, string Caption, bool IsImage);
}
