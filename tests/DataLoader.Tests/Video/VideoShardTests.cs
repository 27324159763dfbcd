using Orchestrator.Core.RunSpec;
using Orchestrator.DataLoader.Video;

namespace Orchestrator.DataLoader.Tests.Video;

public sealed class VideoShardTests : IDisposable
{
    private readonly VideoFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Frame_list_shard_round_trips_lists_including_null_and_empty()
    {
        byte[] a = TestImages.Jpeg(16, 16);
        byte[] b = TestImages.Encode(16, 16, SkiaSharp.SKColors.Green, SkiaSharp.SKColors.Green, SkiaSharp.SKEncodedImageFormat.Png);
        string shard = Path.Combine(_files.Folder, "frames.parquet");
        VideoShardRow[] rows =
        [
            new("k0", "first") { Frames = [a, b, a] },
            new("k1", "second"),
            new("k2", "third") { Frames = [] },
            new("k3", "fourth") { Frames = [b] },
        ];
        await VideoShardWriter.WriteAsync(shard, VideoLayout.FrameList, rows, rowGroupSize: 2);

        Assert.Equal([2L, 2L], await VideoShardReader.RowGroupRowsAsync(shard));
        VideoRowGroup first = await VideoShardReader.ReadAsync(shard, 0, VideoShardColumns.FrameList);
        VideoRowGroup second = await VideoShardReader.ReadAsync(shard, 1, VideoShardColumns.FrameList);
        Assert.Equal(["k0", "k1"], first.Keys);
        Assert.Equal(3, first.Frames![0]!.Count);
        Assert.Equal(b, first.Frames[0]![1]);
        Assert.Null(first.Frames[1]);
        Assert.Empty(second.Frames![0]!);
        Assert.Equal(b, Assert.Single(second.Frames[1]!));
        Assert.Equal(2, second.FirstRow);
    }

    [Fact]
    public void A_missing_shard_fails_with_its_path()
    {
        string path = Path.Combine(_files.Folder, "absent.parquet");
        var e = Assert.ThrowsAny<InvalidDataException>(() => VideoShardReader.ReadAsync(path, 0, new VideoShardColumns()).GetAwaiter().GetResult());
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Synthetic_video_shards_are_deterministic_and_captions_say_what_moves()
    {
        SyntheticDataSection Spec(string name) => new()
        {
            TrainDir = Path.Combine(_files.Folder, name, "train"),
            ValidationDir = Path.Combine(_files.Folder, name, "validation"),
            TrainRows = 6,
            ValidationRows = 2,
            RowsPerShard = 4,
            RowGroupSize = 4,
            ImageSize = 32,
            Seed = 3,
            Video = new SyntheticVideoSection { Frames = 8, Fps = 8 },
        };
        var first = await SyntheticVideoShardMaker.MakeAsync(Spec("a"));
        var second = await SyntheticVideoShardMaker.MakeAsync(Spec("b"));
        Assert.Equal(2, first.TrainShards.Count);
        Assert.Single(first.ValidationShards);
        Assert.False((await SyntheticVideoShardMaker.MakeAsync(Spec("a"))).Created);

        VideoRowGroup a = await VideoShardReader.ReadAsync(first.TrainShards[0], 0, new VideoShardColumns());
        VideoRowGroup b = await VideoShardReader.ReadAsync(second.TrainShards[0], 0, new VideoShardColumns());
        Assert.Equal(a.Captions, b.Captions);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a.Videos![i], b.Videos![i]);
            Assert.Matches("^a (red|green|blue|yellow) (circle|square|triangle) (moving left to right|moving right to left|moving up|moving down|growing|shrinking)$", a.Captions[i]);
        }

        Assert.Equal(4, a.Videos!.Distinct().Count());
    }

    [Fact]
    public void A_synthetic_shape_moving_left_to_right_moves_right_in_the_decoded_clip()
    {
        long index = Enumerable.Range(0, 200).First(i => SyntheticVideo.Generate(9, i, 32, 1, 8).Caption.EndsWith("moving left to right", StringComparison.Ordinal));
        SyntheticVideoRow row = SyntheticVideo.Generate(9, index, 32, 8, 8);
        var sampler = new ClipSampler(new ClipOptions(Frames: 8, Stride: 1, Fps: 0, Pad: false, Size: 32), runSeed: 1);
        VideoClip clip = sampler.SampleVideo(row.Mp4, 0, 0);
        Assert.True(CentreX(clip, 7) > CentreX(clip, 0) + 8, $"centre x {CentreX(clip, 0)} then {CentreX(clip, 7)}");
    }

    // Mean x of the pixels that differ clearly from the light background, in frame f.
    private static double CentreX(VideoClip clip, int f)
    {
        int plane = clip.Size * clip.Size;
        double sum = 0;
        int count = 0;
        for (int p = 0; p < plane; p++)
        {
            float darkest = Enumerable.Range(0, 3).Min(c => clip.Data[(((c * clip.Frames) + f) * plane) + p]);
            if (darkest < 0.4f)
            {
                sum += p % clip.Size;
                count++;
            }
        }

        return sum / Math.Max(1, count);
    }
}
