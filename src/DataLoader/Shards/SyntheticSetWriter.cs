using System.Globalization;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.DataLoader.Shards;

/// <summary>Writes the shards of rows [start, start + count) to the file path it is given, and reports rows done to advance.</summary>
internal delegate Task WriteSyntheticShard(string path, long start, int count, Action<long> advance, CancellationToken ct);

/// <summary>
/// The folder protocol that the synthetic image and video sets share: training rows 0..TrainRows-1 into TrainDir
/// and the held-out rows after them into ValidationDir, so the two never share a row or a key.
/// </summary>
/// <remarks>
/// A folder is complete when it holds the <see cref="MarkerName"/> file, written last (as Spark and Hadoop do); it
/// records the parameters of the set, so a complete folder is skipped and a folder holding a different set is an
/// error rather than silently reused. A folder without the marker (an interrupted make) is written again; the output
/// is deterministic.
/// </remarks>
internal static class SyntheticSetWriter
{
    public const string MarkerName = "_SUCCESS";

    /// <summary>
    /// Makes both folders unless they are complete. <paramref name="kind"/> and <paramref name="parameters"/> (the
    /// kind's own, after the common ones) go into the marker; <paramref name="progress"/> gets (rows done, rows in all).
    /// </summary>
    public static async Task<SyntheticShardSet> MakeAsync(
        SyntheticDataSection spec, string kind, string parameters, WriteSyntheticShard writeShard,
        Action<long, long>? progress, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.TrainRows, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(spec.ValidationRows);
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.RowsPerShard, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.RowGroupSize, 1);
        string trainDir = Path.GetFullPath(spec.TrainDir);
        string validationDir = Path.GetFullPath(spec.ValidationDir);
        if (string.Equals(trainDir, validationDir, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The synthetic train and validation folders are the same ({trainDir}).", nameof(spec));
        }

        long total = (long)spec.TrainRows + spec.ValidationRows;
        long done = 0;
        var gate = new Lock();

        // A writer may report from its parallel row loop.
        void Advance(long rows)
        {
            lock (gate)
            {
                done += rows;
                progress?.Invoke(done, total);
            }
        }

        (IReadOnlyList<string> train, bool trainMade) =
            await MakeSplitAsync(spec, kind, parameters, writeShard, trainDir, 0, spec.TrainRows, Advance, ct);
        (IReadOnlyList<string> validation, bool validationMade) =
            await MakeSplitAsync(spec, kind, parameters, writeShard, validationDir, spec.TrainRows, spec.ValidationRows, Advance, ct);
        return new SyntheticShardSet(train, validation, trainMade || validationMade);
    }

    private static async Task<(IReadOnlyList<string> Shards, bool Made)> MakeSplitAsync(
        SyntheticDataSection spec, string kind, string parameters, WriteSyntheticShard writeShard,
        string folder, long firstIndex, int rows, Action<long> advance, CancellationToken ct)
    {
        int shardCount = (rows + spec.RowsPerShard - 1) / spec.RowsPerShard;
        string[] shards = Enumerable.Range(0, shardCount)
            .Select(i => Path.Combine(folder, i.ToString("D5", CultureInfo.InvariantCulture) + ".parquet"))
            .ToArray();
        string marker = Path.Combine(folder, MarkerName);
        string description = string.Create(
            CultureInfo.InvariantCulture,
            $"{kind} 1 seed={spec.Seed} first_index={firstIndex} rows={rows} rows_per_shard={spec.RowsPerShard} "
            + $"row_group_size={spec.RowGroupSize} image_size={spec.ImageSize}{parameters}\n");

        if (File.Exists(marker))
        {
            string found = await File.ReadAllTextAsync(marker, ct);
            if (found != description)
            {
                throw new ShardException(folder,
                    $"holds a different synthetic set (its {MarkerName} says '{found.Trim()}', the spec asks for '{description.Trim()}'); delete the folder or choose another");
            }

            advance(rows);
            return (shards, false);
        }

        Directory.CreateDirectory(folder);
        string[] strangers = Directory.EnumerateFiles(folder, "*.parquet")
            .Where(f => !shards.Contains(f, StringComparer.Ordinal))
            .ToArray();
        if (strangers.Length > 0)
        {
            throw new ShardException(folder,
                $"holds other shards ({Path.GetFileName(strangers[0])}, ...) and no {MarkerName}: not a synthetic set this spec can complete; choose an empty folder");
        }

        for (int s = 0; s < shardCount; s++)
        {
            long start = firstIndex + ((long)s * spec.RowsPerShard);
            int count = Math.Min(spec.RowsPerShard, rows - (s * spec.RowsPerShard));
            await writeShard(shards[s], start, count, advance, ct);
        }

        string temporary = marker + ".tmp";
        await File.WriteAllTextAsync(temporary, description, ct);
        File.Move(temporary, marker, overwrite: true);
        return (shards, true);
    }
}
