using System.Buffers.Binary;
using Orchestrator.DataLoader.Video;

namespace Orchestrator.DataLoader.Tests.Video;

public sealed class BadVideoRowTests : IDisposable
{
    private readonly VideoFiles _files = new();
    private readonly List<string> _log = [];

    public void Dispose() => _files.Dispose();

    public static TheoryData<string, VideoSkipReason, VideoDecoderBackend> BadRows()
    {
        (string Kind, VideoSkipReason Reason)[] cases =
        [
            ("null", VideoSkipReason.MissingVideo),
            ("empty", VideoSkipReason.MissingVideo),
            ("not a video", VideoSkipReason.NotAVideo),
            ("truncated", VideoSkipReason.Truncated),
            ("truncated faststart", VideoSkipReason.Truncated),
            ("audio only", VideoSkipReason.NoVideoStream),
            ("zero frames", VideoSkipReason.ZeroFrames),
            ("too few frames", VideoSkipReason.TooFewFrames),
            ("unknown codec", VideoSkipReason.UnsupportedCodec),
            ("absurd dimensions", VideoSkipReason.AbsurdDimensions),
            ("empty caption", VideoSkipReason.EmptyCaption),
        ];
        var data = new TheoryData<string, VideoSkipReason, VideoDecoderBackend>();
        foreach (VideoDecoderBackend backend in (VideoDecoderBackend[])[VideoDecoderBackend.InProcess, VideoDecoderBackend.Process])
        {
            foreach ((string kind, VideoSkipReason reason) in cases)
            {
                data.Add(kind, reason, backend);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadRows))]
    public async Task Bad_row_is_skipped_and_counted_with_shard_row_and_reason(string kind, VideoSkipReason expected, VideoDecoderBackend backend)
    {
        byte[] good = _files.ColourFrames(frames: 12, width: 32, height: 32, fps: 8);
        byte[]? bad = kind switch
        {
            "null" => null,
            "empty" => [],
            "not a video" => Enumerable.Range(0, 4000).Select(i => (byte)((i * 7919) % 251)).ToArray(),
            "truncated" => good[..(good.Length / 2)],
            "truncated faststart" => Faststart()[..^200],
            "audio only" => _files.AudioOnly(),
            "zero frames" => VideoFiles.PatchBox(good, "stts", p => BinaryPrimitives.WriteUInt32BigEndian(p[4..], 0)),
            "too few frames" => _files.ColourFrames(frames: 3, width: 32, height: 32, fps: 8),
            "unknown codec" => VideoFiles.PatchBox(good, "stsd", p => "zzzz"u8.CopyTo(p[12..])),
            "absurd dimensions" => VideoFiles.PatchBox(good, "stsd", p => BinaryPrimitives.WriteUInt16BigEndian(p[40..], 60000)),
            _ => good,
        };
        string shard = Path.Combine(_files.Folder, "bad.parquet");
        VideoShardRow[] rows =
        [
            new("good", "a red circle") { Video = good },
            new("bad", kind == "empty caption" ? " " : "a blue square") { Video = bad },
        ];
        await VideoShardWriter.WriteAsync(shard, VideoLayout.Video2Dataset, rows, rowGroupSize: 8);

        var skips = new VideoSkipCounter(_log.Add);
        var sampler = new ClipSampler(new ClipOptions(Frames: 4, Stride: 2, Fps: 0, Pad: false, Size: 8), runSeed: 1, new VideoDecoderOptions { Backend = backend });
        Assert.Equal(backend, sampler.Backend);
        var reader = new VideoClipReader(sampler, skips);
        VideoRowGroup group = await VideoShardReader.ReadAsync(shard, 0, new VideoShardColumns());

        Assert.NotNull(reader.TryRead(group, 0, 0, 0));
        Assert.Null(reader.TryRead(group, 1, 0, 1));
        Assert.Equal(1, skips.Count(expected));
        Assert.Equal(1, skips.Total);
        string line = Assert.Single(_log);
        Assert.Contains($"row 1 of shard {shard}: {expected}", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hung_ffmpeg_is_killed_at_the_timeout_and_the_row_skipped()
    {
        // Only the process backend has a timeout: in process there is no separate decoder to hang.
        byte[] good = _files.ColourFrames(frames: 12, width: 32, height: 32, fps: 8);
        var decoder = new VideoDecoderOptions { Backend = VideoDecoderBackend.Process, FfmpegPath = _files.HangingFfmpeg(), Timeout = TimeSpan.FromSeconds(1) };
        var sampler = new ClipSampler(new ClipOptions(4, 2, 0, false, 8), runSeed: 1, decoder);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        VideoRowException e = Assert.Throws<VideoRowException>(() => sampler.SampleVideo(good, 0, 0));
        Assert.Equal(VideoSkipReason.DecoderTimeout, e.Reason);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }

    [Fact]
    public void A_frame_list_with_an_undecodable_frame_is_skipped()
    {
        var sampler = new ClipSampler(new ClipOptions(2, 1, 0, false, 8), runSeed: 1);
        byte[] png = TestImages.Encode(16, 16, SkiaSharp.SKColors.Red, SkiaSharp.SKColors.Red, SkiaSharp.SKEncodedImageFormat.Png);
        VideoRowException e = Assert.Throws<VideoRowException>(() => sampler.SampleFrames([png, [1, 2, 3, 4, 5]], 0, 0));
        Assert.Equal(VideoSkipReason.Undecodable, e.Reason);
        Assert.Equal(VideoSkipReason.MissingVideo, Assert.Throws<VideoRowException>(() => sampler.SampleFrames([], 0, 0)).Reason);
    }

    private byte[] Faststart() => _files.ColourFrames(frames: 12, width: 32, height: 32, fps: 8, faststart: true);
}
