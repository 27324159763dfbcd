using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Decoding;

namespace Orchestrator.DataLoader.Shards;

/// <summary>
/// Decodes every row of some shards as training would (image to <c>imageSize</c> px, caption present)
/// and counts the rows it would skip, so a dataset can be checked before a run.
/// </summary>
/// <remarks>
/// A row is judged in <see cref="Batching.BatchSource"/>'s order: missing image, then empty caption,
/// then decode. A row group that cannot be read counts all its rows as <see cref="RowSkipReason.UnreadableRowGroup"/>;
/// a shard whose footer or columns are unusable is a <see cref="ShardProblem"/> and the other shards are still verified.
/// </remarks>
public static class ShardVerifier
{
    /// <summary>Verifies the shards of <paramref name="paths"/>; <paramref name="progress"/> gets (rows done, rows in all).</summary>
    public static async Task<ShardVerification> VerifyAsync(
        IReadOnlyList<string> paths,
        ColumnMap columns,
        int imageSize,
        int listLimit = 50,
        Action<long, long>? progress = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 1);
        var result = new ShardVerification(listLimit);
        var problems = new List<ShardProblem>();
        IReadOnlyList<string> files = ShardPaths.Resolve(paths, problems);
        var shards = new List<ShardInfo>();
        foreach (string file in files)
        {
            try
            {
                shards.Add(await ShardCatalog.ReadFooterAsync(shards.Count, file, new DatasetSource { Columns = columns }, 0, 0, ct));
            }
            catch (ShardException e)
            {
                problems.Add(new ShardProblem(e.ShardPath, e.Reason));
            }
        }

        problems.ForEach(result.Add);
        long total = shards.Sum(s => s.RowCount);
        long done = 0;
        foreach (ShardInfo shard in shards)
        {
            result.AddShard(shard.RowCount);
            for (int g = 0; g < shard.RowGroupRows.Count; g++)
            {
                RowSkipReason?[] reasons = await CheckRowGroupAsync(shard, g, imageSize, ct);
                for (int r = 0; r < reasons.Length; r++)
                {
                    if (reasons[r] is { } reason)
                    {
                        result.Add(new BadRow(shard.Path, shard.RowGroupStart(g) + r, reason));
                    }
                }

                done += reasons.Length;
                progress?.Invoke(done, total);
            }
        }

        return result;
    }

    // Null for a usable row, else why it would be skipped.
    private static async Task<RowSkipReason?[]> CheckRowGroupAsync(ShardInfo shard, int rowGroup, int imageSize, CancellationToken ct)
    {
        var reasons = new RowSkipReason?[shard.RowGroupRows[rowGroup]];
        RowGroupCells cells;
        try
        {
            cells = await RowGroupReader.ReadAsync(shard, rowGroup, ct);
        }
        catch (ShardException)
        {
            Array.Fill(reasons, RowSkipReason.UnreadableRowGroup);
            return reasons;
        }

        await Task.Run(
            () => Parallel.For(0, reasons.Length, new ParallelOptions { CancellationToken = ct }, r =>
                reasons[r] = RowDecoder.TryDecode(cells.Images[r], cells.Captions[r], imageSize, out _, out var reason) ? null : reason),
            ct);
        return reasons;
    }
}
