using Orchestrator.DataLoader.Decoding;
using SkiaSharp;

namespace Orchestrator.DataLoader.Tests.Decoding;

public sealed class ResizeTests
{
    [Theory]
    [InlineData(nameof(PilFixtures.Noise30))]
    [InlineData(nameof(PilFixtures.Noise12))]
    public void Resizing_matches_pil_bilinear_within_one_level(string fixture)
    {
        // Random pixels are the hardest case: every output mixes unrelated neighbours. PIL rounds to
        // bytes after each pass and we round once, so levels may differ by one.
        (byte[] png, byte[] expected) = fixture == nameof(PilFixtures.Noise30)
            ? (PilFixtures.Noise30, PilFixtures.Noise30ByPil16)
            : (PilFixtures.Noise12, PilFixtures.Noise12ByPil16);

        Assert.True(ImageTransform.TryLoad(png, 16, out float[]? chw, out _));

        int plane = 16 * 16;
        int worst = 0;
        for (int i = 0; i < plane; i++)
        {
            for (int c = 0; c < 3; c++)
            {
                int level = (int)Math.Round((chw[(c * plane) + i] * 127.5) + 127.5);
                worst = Math.Max(worst, Math.Abs(level - expected[(i * 3) + c]));
            }
        }

        Assert.InRange(worst, 0, 1);
    }

    [Fact]
    public void A_uniform_image_stays_exactly_uniform_at_any_scale()
    {
        foreach ((int width, int height, int size) in new[] { (300, 200, 64), (90, 70, 64), (40, 50, 64), (33, 33, 7) })
        {
            var grey = new SKColor(77, 77, 77);
            byte[] png = TestImages.Encode(width, height, grey, grey, SKEncodedImageFormat.Png);

            Assert.True(ImageTransform.TryLoad(png, size, out float[]? chw, out _));

            Assert.All(chw, v => Assert.Equal((77 - 127.5f) / 127.5f, v));
        }
    }

    [Fact]
    public void Shrinking_fine_stripes_averages_them_instead_of_aliasing()
    {
        // One-pixel black and white columns shrunk 3.125 times: an unfiltered (two-tap) bilinear picks
        // near-black or near-white columns; the widened triangle averages each output's footprint.
        byte[] row = [.. Enumerable.Range(0, 200).Select(x => (byte)(x % 2 == 0 ? 0 : 255))];
        byte[] png = PngFile.Write(200, 200, 8, PngFile.Grayscale, [.. Enumerable.Repeat(row, 200)]);

        Assert.True(ImageTransform.TryLoad(png, 64, out float[]? chw, out _));

        Assert.All(chw, v => Assert.InRange(v, -0.15f, 0.15f));
    }
}
