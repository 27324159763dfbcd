using System.Globalization;
using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Shards;

namespace Orchestrator.DataLoader.Video;

/// <summary>
/// Writes the synthetic caption-video dataset of a run spec (data.synthetic with a video section) as
/// video2dataset-layout shards, train and validation apart, complete folders skipped as for images
/// (<see cref="SyntheticSetWriter"/>); `orchestrator shards make --video`.
/// </summary>
public static class SyntheticVideoShardMaker
{
    /// <summary>Makes the train and validation shards unless they are already there; <paramref name="progress"/> gets (rows done, rows in all).</summary>
    public static Task<SyntheticShardSet> MakeAsync(
        SyntheticDataSection spec, Action<long, long>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        SyntheticVideoSection video = spec.Video
            ?? throw new ArgumentException("data.synthetic.video is not set; expected the video section (frames, fps)", nameof(spec));
        string parameters = string.Create(CultureInfo.InvariantCulture, $" frames={video.Frames} fps={video.Fps}");
        return SyntheticSetWriter.MakeAsync(spec, "synthetic-video", parameters, WriteShardAsync, progress, ct);

        async Task WriteShardAsync(string path, long start, int count, Action<long> advance, CancellationToken ct)
        {
            var shardRows = new VideoShardRow[count];
            // Rows are encoded in parallel (one ffmpeg process each, the slow part): each one reports as it ends.
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
            await VideoShardWriter.WriteAsync(path, VideoLayout.Video2Dataset, shardRows, spec.RowGroupSize, ct);
        }
    }
}
