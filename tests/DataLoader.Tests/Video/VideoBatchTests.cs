using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Batching;
using Orchestrator.DataLoader.Decoding;
using Orchestrator.DataLoader.Sampling;
using Orchestrator.DataLoader.Shards;
using Orchestrator.DataLoader.Tests.Shards;
using Orchestrator.DataLoader.Text;
using Orchestrator.DataLoader.Video;
using TorchSharp;

namespace Orchestrator.DataLoader.Tests.Video;

/// <summary>Batches of a video run read through <see cref="BatchSource"/>: clips of video rows, images repeated to clips.</summary>
public sealed class VideoBatchTests : IDisposable
{
    private const int Size = 8;
    private const int Frames = 4;
    private static readonly ClipOptions Clip = new(Frames, Stride: 2, Fps: 0, Pad: true, Size);
    private readonly VideoFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Video_rows_become_clips_and_image_rows_one_frame_repeated_and_marked_as_images()
    {
        string videos = await VideoShardAsync("videos", Enumerable.Range(0, 6).Select(i => VideoRow(i)).ToArray());
        string images = Path.Combine(_files.Folder, "images");
        Directory.CreateDirectory(images);
        await ShardFiles.WriteAsync(Path.Combine(images, "00000.parquet"), 0, rows: 6, rowGroupSize: 3);
        var catalog = await ShardCatalog.OpenAsync([
            new DatasetSource { Shards = videos, Layout = "video2dataset" },
            new DatasetSource { Shards = images, Weight = 1 },
        ]);
        var plan = SamplePlan.For(catalog, globalBatch: 8, seed: 3);
        var skips = new VideoSkipCounter();

        using TrainingBatch batch = await Source(catalog, plan, skips).ReadAsync(step: 1, start: 0, count: 8);

        Assert.Equal([8L, 3, Frames, Size, Size], batch.Images.shape);
        Assert.Equal(Enumerable.Range(0, 8).Select(p => plan.DatasetAt(1, p) == 1), batch.IsImage);
        Assert.Contains(true, batch.IsImage);
        Assert.Contains(false, batch.IsImage);
        for (int k = 0; k < batch.Count; k++)
        {
            using var clip = batch.Images[k];
            bool framesEqual = Enumerable.Range(1, Frames - 1).All(f => Same(clip.select(1, f), clip.select(1, 0)));
            // An image's frames are copies; a video's solid colour frames differ frame to frame.
            Assert.Equal(batch.IsImage[k], framesEqual);
        }

        Assert.Equal(0, skips.Total);
    }

    [Fact]
    public async Task Video_batches_are_the_same_whatever_the_world_size()
    {
        string videos = await VideoShardAsync("videos", Enumerable.Range(0, 10).Select(i => VideoRow(i, frames: 9 + i)).ToArray());
        var catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = videos, Layout = "video2dataset" }]);
        var plan = SamplePlan.For(catalog, globalBatch: 4, seed: 9);

        foreach (long step in new long[] { 0, 3 })
        {
            using TrainingBatch whole = await Source(catalog, plan, new VideoSkipCounter()).ReadAsync(step, 0, 4);
            var parts = new List<TrainingBatch>();
            for (int rank = 0; rank < 2; rank++)
            {
                // Each worker has its own source, as each worker process does.
                (int start, int count) = plan.WorkerSlice(rank, 2, microBatch: 2);
                parts.Add(await Source(catalog, plan, new VideoSkipCounter()).ReadAsync(step, start, count));
            }

            using var joined = torch.cat(parts.Select(p => p.Images).ToList(), 0);
            Assert.True(Same(whole.Images, joined), $"step {step}: the clips of 1 and 2 workers differ");
            Assert.Equal(whole.Keys, parts.SelectMany(p => p.Keys));
            Assert.Equal(whole.SampleIndices, parts.SelectMany(p => p.SampleIndices));
            parts.ForEach(p => p.Dispose());
        }
    }

    [Fact]
    public async Task Bad_video_rows_are_counted_with_shard_and_row_and_replaced_alike_for_every_world_size()
    {
        byte[] good = _files.ColourFrames(frames: 8, width: 16, height: 16, fps: 8);
        VideoShardRow[] rows =
        [
            VideoRow(0),
            new VideoShardRow("000000001", "a video that failed to download") { ErrorMessage = "HTTP 404" },
            VideoRow(2),
            new VideoShardRow("000000003", "not a video") { Video = [.. Enumerable.Range(0, 4000).Select(i => (byte)((i * 7919) % 251))] },
            VideoRow(4),
            new VideoShardRow("000000005", "  ") { Video = good },
            VideoRow(6),
            new VideoShardRow("000000007", "a cut video") { Video = good[..(good.Length / 3)] },
        ];
        string videos = await VideoShardAsync("bad", rows, rowGroupSize: 4);
        var catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = videos, Layout = "video2dataset" }]);
        var plan = SamplePlan.For(catalog, globalBatch: 8, seed: 4);
        var log = new List<string>();
        var skips = new VideoSkipCounter(line => { lock (log) { log.Add(line); } });

        using TrainingBatch whole = await Source(catalog, plan, skips).ReadAsync(step: 0, start: 0, count: 8);
        using TrainingBatch first = await Source(catalog, plan, new VideoSkipCounter()).ReadAsync(step: 0, start: 0, count: 4);
        using TrainingBatch second = await Source(catalog, plan, new VideoSkipCounter()).ReadAsync(step: 0, start: 4, count: 4);

        Assert.Equal(8, whole.Count);
        Assert.All(whole.Keys, key => Assert.Contains(key, new[] { "000000000", "000000002", "000000004", "000000006" }));
        Assert.Equal(whole.Keys, first.Keys.Concat(second.Keys));
        using var joined = torch.cat(new[] { first.Images, second.Images }, 0);
        Assert.True(Same(whole.Images, joined));
        Assert.True(skips.Count(VideoSkipReason.MissingVideo) > 0, skips.Describe());
        Assert.True(skips.Count(VideoSkipReason.NotAVideo) > 0, skips.Describe());
        Assert.InRange(skips.Count(VideoSkipReason.EmptyCaption), 1, 100);
        Assert.InRange(skips.Count(VideoSkipReason.Truncated), 1, 100);
        // A bad row is also tried again as another position's replacement: each try is counted and logged.
        Assert.Equal(skips.Total, log.Count);
        string shard = Directory.GetFiles(videos).Single();
        Assert.Contains(log, line => line.Contains("row 3 ", StringComparison.Ordinal) && line.Contains(shard, StringComparison.Ordinal)
            && line.Contains("NotAVideo", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rows_of_an_unreadable_video_row_group_are_counted_and_replaced_from_the_readable_shards()
    {
        string videos = await VideoShardAsync("videos", Enumerable.Range(0, 4).Select(i => VideoRow(i)).ToArray(), rowGroupSize: 2);
        string lost = Path.Combine(videos, "00001.parquet");
        await VideoShardWriter.WriteAsync(lost, VideoLayout.Video2Dataset, [.. Enumerable.Range(4, 4).Select(i => VideoRow(i))], rowGroupSize: 2);
        var catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = videos, Layout = "video2dataset" }]);
        File.Delete(lost);
        var log = new List<string>();
        var skips = new VideoSkipCounter(line => { lock (log) { log.Add(line); } });

        using TrainingBatch batch = await Source(catalog, SamplePlan.For(catalog, 8, seed: 2), skips).ReadAsync(0, 0, 8);

        Assert.All(batch.Keys, key => Assert.True(int.Parse(key, System.Globalization.CultureInfo.InvariantCulture) < 4, key));
        Assert.True(skips.Count(VideoSkipReason.UnreadableRowGroup) >= 4, skips.Describe());
        Assert.Contains(log, line => line.Contains(lost, StringComparison.Ordinal) && line.Contains("UnreadableRowGroup", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Frame_list_rows_give_their_listed_frames_in_order()
    {
        var colours = new[] { SkiaSharp.SKColors.Red, SkiaSharp.SKColors.Lime, SkiaSharp.SKColors.Blue, SkiaSharp.SKColors.Yellow };
        byte[][] frames = colours.Select(c => TestImages.Encode(16, 16, c, c, SkiaSharp.SKEncodedImageFormat.Png)).ToArray();
        string folder = Path.Combine(_files.Folder, "frames");
        Directory.CreateDirectory(folder);
        VideoShardRow[] rows = [.. Enumerable.Range(0, 2).Select(i => new VideoShardRow($"k{i}", $"colours {i}") { Frames = frames })];
        await VideoShardWriter.WriteAsync(Path.Combine(folder, "00000.parquet"), VideoLayout.FrameList, rows, rowGroupSize: 2);
        var catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = folder, Layout = "frame-list" }]);
        var plan = SamplePlan.For(catalog, globalBatch: 2, seed: 1);
        var clips = new ClipRows(new ClipSampler(Clip with { Stride = 1 }, runSeed: 1), new VideoSkipCounter());
        var source = new BatchSource(catalog, plan, Size, new CaptionTokenizer(64, 6), decodeThreads: 1, new SkipCounter(), clips: clips);

        using TrainingBatch batch = await source.ReadAsync(0, 0, 2);

        // Red, green, blue, yellow: the red channel of the frames at one pixel is 1, -1, -1, 1.
        using var red = batch.Images[0, 0].select(1, 4).select(1, 4);
        Assert.Equal([1f, -1f, -1f, 1f], red.data<float>().ToArray());
        Assert.All(batch.IsImage, Assert.False);
    }

    [Fact]
    public async Task A_video_shard_without_its_video_column_fails_naming_the_file_and_the_column()
    {
        string images = Path.Combine(_files.Folder, "images");
        Directory.CreateDirectory(images);
        await ShardFiles.WriteAsync(Path.Combine(images, "00000.parquet"), 0, rows: 2, rowGroupSize: 2);

        var e = await Assert.ThrowsAsync<ShardException>(
            () => ShardCatalog.OpenAsync([new DatasetSource { Shards = images, Layout = "video2dataset" }]));

        Assert.Contains("00000.parquet", e.Message, StringComparison.Ordinal);
        Assert.Contains("'mp4'", e.Message, StringComparison.Ordinal);
        var frameList = await Assert.ThrowsAsync<ShardException>(
            () => ShardCatalog.OpenAsync([new DatasetSource { Shards = images, Layout = "frame-list" }]));
        Assert.Contains("'frames'", frameList.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Video_shards_without_a_clip_sampler_are_refused_naming_the_shard()
    {
        string videos = await VideoShardAsync("videos", [VideoRow(0), VideoRow(1)]);
        var catalog = await ShardCatalog.OpenAsync([new DatasetSource { Shards = videos, Layout = "video2dataset" }]);

        var e = Assert.Throws<ArgumentException>(
            () => new BatchSource(catalog, SamplePlan.For(catalog, 2, 1), Size, new CaptionTokenizer(64, 6), 1, new SkipCounter()));

        Assert.Contains("data.clip", e.Message, StringComparison.Ordinal);
        Assert.Contains(Directory.GetFiles(videos).Single(), e.Message, StringComparison.Ordinal);
    }

    private static bool Same(torch.Tensor a, torch.Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.contiguous().data<float>().ToArray().SequenceEqual(b.contiguous().data<float>().ToArray());

    private static BatchSource Source(ShardCatalog catalog, SamplePlan plan, VideoSkipCounter skips) =>
        new(catalog, plan, Size, new CaptionTokenizer(64, 6), decodeThreads: 2, new SkipCounter(),
            clips: new ClipRows(new ClipSampler(Clip, runSeed: 17), skips));

    private VideoShardRow VideoRow(int index, int frames = 12) =>
        new(index.ToString("D9", System.Globalization.CultureInfo.InvariantCulture), $"colours {index}")
        {
            Video = _files.ColourFrames(frames, width: 16, height: 16, fps: 8),
        };

    private async Task<string> VideoShardAsync(string name, VideoShardRow[] rows, int rowGroupSize = 3)
    {
        string folder = Path.Combine(_files.Folder, name);
        Directory.CreateDirectory(folder);
        await VideoShardWriter.WriteAsync(Path.Combine(folder, "00000.parquet"), VideoLayout.Video2Dataset, rows, rowGroupSize);
        return folder;
    }
}
