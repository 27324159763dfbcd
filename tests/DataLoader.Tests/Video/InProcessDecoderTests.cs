using System.Text;
using Orchestrator.DataLoader.Video;

namespace Orchestrator.DataLoader.Tests.Video;

public sealed class InProcessDecoderTests : IDisposable
{
    private readonly VideoFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Auto_picks_the_in_process_decoder_when_the_libraries_load()
    {
        var sampler = new ClipSampler(new ClipOptions(4, 1, 0, false, 8), runSeed: 1);
        Assert.True(sampler.Backend == VideoDecoderBackend.InProcess, $"fell back: {sampler.FallbackReason}");
        Assert.Null(sampler.FallbackReason);
    }

    [Fact]
    public void An_mp4_with_its_moov_box_at_the_end_decodes_from_memory()
    {
        byte[] mp4 = _files.ColourFrames(frames: 12, width: 40, height: 24, fps: 8);
        Assert.True(IndexOf(mp4, "moov") > IndexOf(mp4, "mdat"), "ffmpeg wrote the moov box first");
        string[] before = Directory.GetFiles("/dev/shm").Concat(Directory.GetFiles(Path.GetTempPath())).ToArray();

        var header = new VideoHeader(40, 24, 12, 8, "avc1", ConstantFrameRate: true);
        var got = new List<byte[]>();
        int count = LibAvClipDecoder.Decode(mp4, header, [3, 7, 11], size: 8, maxSide: 8192, (_, rgb) => got.Add(rgb.ToArray()));

        Assert.Equal(3, count);
        Assert.Equal(before.Order(), Directory.GetFiles("/dev/shm").Concat(Directory.GetFiles(Path.GetTempPath())).Order());
        int[] frames = [3, 7, 11];
        for (int i = 0; i < 3; i++)
        {
            (byte r, byte g, byte b) = VideoFiles.Colour(frames[i]);
            Assert.True(Math.Abs(got[i][0] - r) <= 5 && Math.Abs(got[i][1] - g) <= 5 && Math.Abs(got[i][2] - b) <= 5,
                $"frame {frames[i]}: ({got[i][0]}, {got[i][1]}, {got[i][2]}) but expected ({r}, {g}, {b})");
        }
    }

    [Fact]
    public void Seeking_to_the_keyframe_gives_the_same_pixels_as_decoding_from_the_start()
    {
        // Keyframes every 6 frames and B-frames, so a seek lands before the clip and frames come reordered.
        byte[] mp4 = _files.Ffmpeg(
            "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=24", "-frames:v", "60", "-vf", "hue=H=2*PI*t",
            "-c:v", "libx264", "-g", "6", "-bf", "2", "-pix_fmt", "yuv420p");
        var header = new VideoHeader(64, 48, 60, 24, "avc1", ConstantFrameRate: true);
        foreach (int[] frames in (int[][])[[0, 2, 4], [7, 9, 11, 13], [12, 30, 31], [41, 50, 59]])
        {
            byte[][] seeking = Decode(mp4, header, frames, seek: true);
            byte[][] sequential = Decode(mp4, header, frames, seek: false);
            Assert.Equal(frames.Length, seeking.Length);
            for (int i = 0; i < frames.Length; i++)
            {
                Assert.True(seeking[i].AsSpan().SequenceEqual(sequential[i]), $"frame {frames[i]} differs between the seek and the sequential path");
            }

            // The hue turns every frame, so distinct source frames differ and a wrong frame shows.
            Assert.False(seeking[0].AsSpan().SequenceEqual(seeking[1]));
        }
    }

    [Fact]
    public void A_matroska_file_is_probed_and_decoded_in_process()
    {
        byte[] mkv = _files.ColourFrames(frames: 10, width: 32, height: 32, fps: 8, container: "matroska");
        var sampler = new ClipSampler(new ClipOptions(Frames: 3, Stride: 2, Fps: 0, Pad: false, Size: 8), runSeed: 5);
        IReadOnlyList<int> sources = sampler.SourceFrames(10, 8, 0, 2)!;
        VideoClip clip = sampler.SampleVideo(mkv, 0, 2);
        for (int f = 0; f < 3; f++)
        {
            ClipDecodingTests.AssertFrame(clip, f, VideoFiles.Colour(sources[f]));
        }
    }

    [Fact]
    public void Hundreds_of_damaged_files_are_skipped_or_decoded_and_never_crash()
    {
        byte[] mp4 = _files.ColourFrames(frames: 12, width: 32, height: 32, fps: 8);
        byte[] faststart = _files.ColourFrames(frames: 12, width: 32, height: 32, fps: 8, faststart: true);
        byte[] mkv = _files.ColourFrames(frames: 12, width: 32, height: 32, fps: 8, container: "matroska");
        var sampler = new ClipSampler(new ClipOptions(Frames: 4, Stride: 2, Fps: 0, Pad: true, Size: 8), runSeed: 1);
        var random = new Random(12345);
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < 300; i++)
        {
            byte[] source = (i % 3) switch { 0 => mp4, 1 => faststart, _ => mkv };
            byte[] bad = (i % 4) switch
            {
                0 => source[..random.Next(1, source.Length)],
                1 => Flip(source, random, count: 1 + random.Next(20)),
                2 => Flip(source[..random.Next(source.Length / 2, source.Length)], random, count: 1 + random.Next(5)),
                _ => [.. source[..random.Next(8, 64)], .. Enumerable.Range(0, random.Next(100, 3000)).Select(_ => (byte)random.Next(256))],
            };
            string outcome;
            try
            {
                VideoClip clip = sampler.SampleVideo(bad, 0, i);
                Assert.All(clip.Data, v => Assert.InRange(v, -1f, 1f));
                outcome = "decoded";
            }
            catch (VideoRowException e)
            {
                outcome = e.Reason.ToString();
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        // The mutations must exercise both skipping and decoding past damage, or the loop proves little.
        Assert.True(outcomes.Count >= 3, string.Join(", ", outcomes.Select(kv => $"{kv.Key}: {kv.Value}")));
    }

    private static byte[][] Decode(byte[] mp4, VideoHeader header, int[] frames, bool seek)
    {
        var got = new byte[frames.Length][];
        int count = LibAvClipDecoder.Decode(mp4, header, frames, size: 32, maxSide: 8192, (i, rgb) => got[i] = rgb.ToArray(), seek);
        return got[..count];
    }

    private static byte[] Flip(byte[] source, Random random, int count)
    {
        byte[] copy = (byte[])source.Clone();
        for (int i = 0; i < count; i++)
        {
            copy[random.Next(copy.Length)] = (byte)random.Next(256);
        }

        return copy;
    }

    private static int IndexOf(byte[] bytes, string type) => bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(type));
}
