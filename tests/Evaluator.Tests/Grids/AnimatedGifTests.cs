using System.Diagnostics;
using Orchestrator.Evaluator.Grids;
using SkiaSharp;
using TorchSharp;

namespace Orchestrator.Evaluator.Tests.Grids;

public sealed class AnimatedGifTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void SkiaSharp_reads_every_frame_its_delay_and_an_endless_loop()
    {
        var path = _folder.File("clip.gif");
        using var clip = torch.rand([3, 5, 6, 7]).mul(2).sub(1);

        AnimatedGif.Write(path, clip, scale: 2, delayCentiseconds: 12);

        using var codec = SKCodec.Create(path);
        Assert.Equal(SKEncodedImageFormat.Gif, codec.EncodedFormat);
        Assert.Equal(5, codec.FrameCount);
        Assert.Equal(-1, codec.RepetitionCount);
        Assert.Equal(new SKSizeI(14, 12), codec.Info.Size);
        Assert.All(codec.FrameInfo, frame => Assert.Equal(120, frame.Duration));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(16, 16)]
    [InlineData(17, 15)]
    [InlineData(32, 16)]
    [InlineData(90, 90)]
    public void Frames_decode_back_to_the_cube_colours_of_their_pixels(int width, int height)
    {
        var frames = Frames(width, height, count: 3, seed: width * 31 + height);

        var gif = AnimatedGif.Encode(frames, width, height, delayCentiseconds: 5);

        var decoded = DecodeWithSkia(gif);
        Assert.Equal(frames.Count, decoded.Count);
        for (var f = 0; f < frames.Count; f++)
        {
            Assert.Equal(CubeColours(frames[f]), decoded[f]);
        }
    }

    [Fact]
    public void Ffmpeg_decodes_the_same_pixels()
    {
        const int width = 64;
        const int height = 48;
        var frames = Frames(width, height, count: 4, seed: 5);
        var path = _folder.File("ffmpeg.gif");
        File.WriteAllBytes(path, AnimatedGif.Encode(frames, width, height, delayCentiseconds: 10));

        var raw = RunFfmpeg(path);

        Assert.Equal(frames.Count * width * height * 3, raw.Length);
        for (var f = 0; f < frames.Count; f++)
        {
            Assert.Equal(CubeColours(frames[f]), raw.AsSpan(f * width * height * 3, width * height * 3).ToArray());
        }
    }

    [Fact]
    public void Colours_map_to_the_nearest_cube_level_per_channel()
    {
        Assert.Equal(0, ColorCube.IndexOf(0, 0, 0));
        Assert.Equal(215, ColorCube.IndexOf(255, 255, 255));
        Assert.Equal(5 * 36, ColorCube.IndexOf(255, 25, 0));
        Assert.Equal(1 * 36 + 2 * 6 + 3, ColorCube.IndexOf(51, 110, 140));
        Assert.Equal([51, 102, 153], ColorCube.Palette.AsSpan(3 * (1 * 36 + 2 * 6 + 3), 3).ToArray());
    }

    [Fact]
    public void WriteEach_writes_one_gif_per_clip()
    {
        using var clips = torch.zeros([3, 3, 2, 4, 4]);

        var paths = AnimatedGif.WriteEach(Path.Combine(_folder.Path, "gifs"), "sample", clips, scale: 1);

        Assert.Equal(["sample-0.gif", "sample-1.gif", "sample-2.gif"], paths.Select(Path.GetFileName));
        Assert.All(paths, path => Assert.True(File.Exists(path)));
    }

    [Fact]
    public void A_clip_that_is_not_3_F_H_W_is_refused_with_its_shape()
    {
        using var clips = torch.zeros([1, 3, 2, 4, 4]);

        var error = Assert.Throws<ArgumentException>(() => AnimatedGif.Write(_folder.File("x.gif"), clips, scale: 1));

        Assert.Contains("[1, 3, 2, 4, 4]", error.Message, StringComparison.Ordinal);
        Assert.Contains("(3, F, H, W)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_frame_of_the_wrong_size_is_refused_naming_it()
    {
        byte[][] frames = [new byte[2 * 2 * 3], new byte[5]];

        var error = Assert.Throws<ArgumentException>(() => AnimatedGif.Encode(frames, 2, 2, 10));

        Assert.Contains("Frame 1 has 5 bytes", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Random pixels (codes of every width and table resets) then a smooth gradient (long strings).</summary>
    private static List<byte[]> Frames(int width, int height, int count, int seed)
    {
        var random = new Random(seed);
        var frames = new List<byte[]>();
        for (var f = 0; f < count; f++)
        {
            var rgb = new byte[width * height * 3];
            if (f % 2 == 0)
            {
                random.NextBytes(rgb);
            }
            else
            {
                for (var p = 0; p < width * height; p++)
                {
                    rgb[3 * p] = (byte)(p % width * 255 / Math.Max(1, width - 1));
                    rgb[3 * p + 1] = (byte)(p / width * 255 / Math.Max(1, height - 1));
                    rgb[3 * p + 2] = (byte)(f * 60);
                }
            }

            frames.Add(rgb);
        }

        return frames;
    }

    private static byte[] CubeColours(byte[] rgb)
    {
        var expected = new byte[rgb.Length];
        for (var p = 0; p < rgb.Length; p += 3)
        {
            var index = ColorCube.IndexOf(rgb[p], rgb[p + 1], rgb[p + 2]);
            ColorCube.Palette.AsSpan(3 * index, 3).CopyTo(expected.AsSpan(p));
        }

        return expected;
    }

    /// <summary>Every frame as packed RGB, composited by SkiaSharp's GIF decoder.</summary>
    private static List<byte[]> DecodeWithSkia(byte[] gif)
    {
        using var data = SKData.CreateCopy(gif);
        using var codec = SKCodec.Create(data);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var frames = new List<byte[]>();
        for (var f = 0; f < codec.FrameCount; f++)
        {
            using var bitmap = new SKBitmap(info);
            var result = codec.GetPixels(info, bitmap.GetPixels(), new SKCodecOptions(f));
            Assert.Equal(SKCodecResult.Success, result);
            var rgba = bitmap.Bytes;
            var rgb = new byte[rgba.Length / 4 * 3];
            for (int p = 0, q = 0; p < rgba.Length; p += 4, q += 3)
            {
                rgb[q] = rgba[p];
                rgb[q + 1] = rgba[p + 1];
                rgb[q + 2] = rgba[p + 2];
            }

            frames.Add(rgb);
        }

        return frames;
    }

    /// <summary>All frames of a GIF as raw rgb24, decoded by ffmpeg (an independent GIF decoder).</summary>
    private static byte[] RunFfmpeg(string path)
    {
        var start = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-fps_mode", "passthrough", "-" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start");
        var errors = process.StandardError.ReadToEndAsync();
        using var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ffmpeg failed: {errors.Result}");
        return output.ToArray();
    }
}
