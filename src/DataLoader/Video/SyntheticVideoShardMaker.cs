using System.Globalization;
using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Shards;

namespace Orchestrator.DataLoader.Video;

/// <summary>
/// Writes the synthetic caption-video dataset of a run spec (data.synthetic with a video section)
/// as video2dataset-layout shards: training rows 0..TrainRows-1 into TrainDir and the held-out rows
/// after them into ValidationDir; `orchestrator shards make --video`.
/// </summary>
/// <remarks>
/// As for images (<see cref="SyntheticShardMaker"/>), a folder is complete when its
/// <see cref="SyntheticShardMaker.MarkerName"/> file, written last, records the same parameters;
/// a folder holding a different set is an error, an interrupted one is written again.
/// </remarks>
public static class SyntheticVideoShardMaker
{
    /// <summary>Makes the train and validation shards unless they are already there; <paramref name="progress"/> gets (rows done, rows in all).</summary>
    public static async Task<SyntheticShardSet> MakeAsync(
        SyntheticDataSection spec, Action<long, long>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        SyntheticVideoSection video = spec.Video
            ?? throw new ArgumentException("data.synthetic.video is not set; expected the video section (frames, fps)", nameof(spec));
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

        // Rows are encoded in parallel (one ffmpeg process each, the slow part): each one reports as it ends.
        void Advance(long rows)
        {
            lock (gate)
            {
                done += rows;
                progress?.Invoke(done, total);
            }
        }

        (IReadOnlyList<string> train, bool trainMade) =
            await MakeSplitAsync(spec, video, trainDir, 0, spec.TrainRows, Advance, ct);
        (IReadOnlyList<string> validation, bool validationMade) =
            await MakeSplitAsync(spec, video, validationDir, spec.TrainRows, spec.ValidationRows, Advance, ct);
        return new SyntheticShardSet(train, validation, trainMade || validationMade);
    }

    private static async Task<(IReadOnlyList<string> Shards, bool Made)> MakeSplitAsync(
        SyntheticDataSection spec, SyntheticVideoSection video, string folder, long firstIndex, int rows, Action<long> advance, CancellationToken ct)
    {
        int shardCount = (rows + spec.RowsPerShard - 1) / spec.RowsPerShard;
        string[] shards = Enumerable.Range(0, shardCount)
            .Select(i => Path.Combine(folder, i.ToString("D5", CultureInfo.InvariantCulture) + ".parquet"))
            .ToArray();
        string marker = Path.Combine(folder, SyntheticShardMaker.MarkerName);
        string description = string.Create(
            CultureInfo.InvariantCulture,
            $"synthetic-video 1 seed={spec.Seed} first_index={firstIndex} rows={rows} rows_per_shard={spec.RowsPerShard} "
            + $"row_group_size={spec.RowGroupSize} image_size={spec.ImageSize} frames={video.Frames} fps={video.Fps}\n");

        if (File.Exists(marker))
        {
            string found = await File.ReadAllTextAsync(marker, ct);
            if (found != description)
            {
                throw new ShardException(folder,
                    $"holds a different synthetic set (its {SyntheticShardMaker.MarkerName} says '{found.Trim()}', the spec asks for '{description.Trim()}'); delete the folder or choose another");
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
                $"holds other shards ({Path.GetFileName(strangers[0])}, ...) and no {SyntheticShardMaker.MarkerName}: not a synthetic set this spec can complete; choose an empty folder");
        }

        for (int s = 0; s < shardCount; s++)
        {
            long start = firstIndex + ((long)s * spec.RowsPerShard);
            int count = Math.Min(spec.RowsPerShard, rows - (s * spec.RowsPerShard));
            var shardRows = new VideoShardRow[count];
            await Task.Run(
                () => Parallel.For(0, count, new ParallelOptions { CancellationToken = ct }, i =>
                {
                    SyntheticVideoRow row = SyntheticVideo.Generate(spec.Seed, start + i, spec.ImageSize, video.Frames, video.Fps);
                    shardRows[i] = new VideoShardRow(row.Key, row.Caption)
                    {
                        Video = row.Mp4,
                        Width = row.Size,
                        Height = row.Size,
                        Fps = row.Fps,
                        Duration = row.Frames / (double)row.Fps,
                    };
                    advance(1);
                }),
                ct);
            await VideoShardWriter.WriteAsync(shards[s], VideoLayout.Video2Dataset, shardRows, spec.RowGroupSize, ct);
        }

        string temporary = marker + ".tmp";
        await File.WriteAllTextAsync(temporary, description, ct);
        File.Move(temporary, marker, overwrite: true);
        return (shards, true);
    }
}
