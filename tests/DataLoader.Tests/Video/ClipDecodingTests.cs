using Orchestrator.DataLoader.Video;

namespace Orchestrator.DataLoader.Tests.Video;

public sealed class ClipDecodingTests : IDisposable
{
    private const float Tolerance = 0.04f;
    private readonly VideoFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData(false, VideoDecoderBackend.InProcess)]
    [InlineData(true, VideoDecoderBackend.InProcess)]
    [InlineData(false, VideoDecoderBackend.Process)]
    [InlineData(true, VideoDecoderBackend.Process)]
    public void Decoded_frames_come_back_in_order_with_their_content(bool faststart, VideoDecoderBackend backend)
    {
        byte[] mp4 = _files.ColourFrames(frames: 20, width: 48, height: 32, fps: 8, faststart);
        var sampler = new ClipSampler(new ClipOptions(Frames: 4, Stride: 3, Fps: 0, Pad: false, Size: 16), runSeed: 7, new VideoDecoderOptions { Backend = backend });
        var starts = new HashSet<int>();
        for (long sample = 0; sample < 5; sample++)
        {
            IReadOnlyList<int> sources = sampler.SourceFrames(20, 8, epoch: 0, sample)!;
            starts.Add(sources[0]);
            Assert.Equal([sources[0], sources[0] + 3, sources[0] + 6, sources[0] + 9], sources);
            VideoClip clip = sampler.SampleVideo(mp4, epoch: 0, sample);
            Assert.Equal(3 * 4 * 16 * 16, clip.Data.Length);
            for (int f = 0; f < 4; f++)
            {
                AssertFrame(clip, f, VideoFiles.Colour(sources[f]));
            }
        }

        Assert.True(starts.Count > 1, "every sample drew the same start");
        Assert.Contains(starts, s => s > 0);
    }

    [Fact]
    public void Target_fps_sets_the_stride_from_the_video_frame_rate()
    {
        byte[] mp4 = _files.ColourFrames(frames: 20, width: 32, height: 32, fps: 8);
        var sampler = new ClipSampler(new ClipOptions(Frames: 3, Stride: 1, Fps: 4, Pad: false, Size: 8), runSeed: 1);
        IReadOnlyList<int> sources = sampler.SourceFrames(20, 8, 0, 3)!;
        Assert.Equal([sources[0], sources[0] + 2, sources[0] + 4], sources);
        VideoClip clip = sampler.SampleVideo(mp4, 0, 3);
        for (int f = 0; f < 3; f++)
        {
            AssertFrame(clip, f, VideoFiles.Colour(sources[f]));
        }
    }

    [Fact]
    public void A_short_video_is_padded_with_its_last_frame_when_the_spec_says_pad()
    {
        byte[] mp4 = _files.ColourFrames(frames: 5, width: 32, height: 32, fps: 8);
        var sampler = new ClipSampler(new ClipOptions(Frames: 4, Stride: 2, Fps: 0, Pad: true, Size: 8), runSeed: 1);
        VideoClip clip = sampler.SampleVideo(mp4, 0, 0);
        AssertFrame(clip, 0, VideoFiles.Colour(0));
        AssertFrame(clip, 1, VideoFiles.Colour(2));
        AssertFrame(clip, 2, VideoFiles.Colour(4));
        AssertFrame(clip, 3, VideoFiles.Colour(4));
    }

    [Fact]
    public void Clip_tensor_has_shape_channels_frames_height_width()
    {
        byte[] mp4 = _files.ColourFrames(frames: 8, width: 32, height: 24, fps: 8);
        var sampler = new ClipSampler(new ClipOptions(4, 1, 0, false, 16), runSeed: 1);
        using var tensor = sampler.SampleVideo(mp4, 0, 0).ToTensor();
        Assert.Equal([3L, 4, 16, 16], tensor.shape);
        Assert.True(tensor.min().item<float>() >= -1f && tensor.max().item<float>() <= 1f);
    }

    [Fact]
    public void Frame_list_rows_give_the_same_clip_layout()
    {
        byte[][] frames = Enumerable.Range(0, 10)
            .Select(i => TestImages.Encode(24, 24, Sk(VideoFiles.Colour(i)), Sk(VideoFiles.Colour(i)), SkiaSharp.SKEncodedImageFormat.Png))
            .ToArray();
        var sampler = new ClipSampler(new ClipOptions(Frames: 3, Stride: 2, Fps: 0, Pad: false, Size: 8), runSeed: 3);
        IReadOnlyList<int> sources = sampler.SourceFrames(10, 0, 1, 11)!;
        VideoClip clip = sampler.SampleFrames(frames, 1, 11);
        for (int f = 0; f < 3; f++)
        {
            AssertFrame(clip, f, VideoFiles.Colour(sources[f]));
        }
    }

    internal static void AssertFrame(VideoClip clip, int frame, (byte R, byte G, byte B) colour)
    {
        int plane = clip.Size * clip.Size;
        byte[] expected = [colour.R, colour.G, colour.B];
        for (int c = 0; c < 3; c++)
        {
            float want = (expected[c] / 127.5f) - 1f;
            ReadOnlySpan<float> values = clip.Data.AsSpan((((c * clip.Frames) + frame) * plane), plane);
            foreach (float v in values)
            {
                Assert.True(Math.Abs(v - want) <= Tolerance, $"frame {frame} channel {c}: {v} but expected {want}");
            }
        }
    }

    private static SkiaSharp.SKColor Sk((byte R, byte G, byte B) c) => new(c.R, c.G, c.B);
}
