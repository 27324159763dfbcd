using Orchestrator.DataLoader.Decoding;
using SkiaSharp;

namespace Orchestrator.DataLoader.Tests.Decoding;

public sealed class BadImageTests
{
    // The fixtures are 48 x 32: at S = 32 the centre crop is columns 8-39, taken without resampling.
    private const int Size = 32;

    [Fact]
    public void A_cmyk_jpeg_decodes_to_its_colours()
    {
        float[] chw = Load(PilFixtures.Cmyk);

        AssertNear((1f, -1f, -1f), Pixel(chw, 2, 16), 0.15f);
        AssertNear((-1f, -1f, 1f), Pixel(chw, Size - 3, 16), 0.15f);
    }

    [Fact]
    public void A_progressive_jpeg_decodes_to_its_colours()
    {
        float[] chw = Load(PilFixtures.Progressive);

        AssertNear((1f, -1f, -1f), Pixel(chw, 2, 16), 0.15f);
        AssertNear((-1f, -1f, 1f), Pixel(chw, Size - 3, 16), 0.15f);
    }

    [Fact]
    public void A_cut_progressive_jpeg_is_skipped_as_truncated()
    {
        // Cut inside the last scan (the refinement scans come after the first full picture).
        byte[] jpeg = PilFixtures.Progressive;

        Assert.False(ImageTransform.TryLoad(jpeg[..^12], Size, out _, out RowSkipReason reason));
        Assert.Equal(RowSkipReason.TruncatedImage, reason);
    }

    [Fact]
    public void A_grayscale_jpeg_gives_three_equal_channels()
    {
        float[] chw = Load(PilFixtures.Grayscale);

        AssertNear((-1f, -1f, -1f), Pixel(chw, 2, 16), 0.05f);
        AssertNear((1f, 1f, 1f), Pixel(chw, Size - 3, 16), 0.05f);
        (float r, float g, float b) = Pixel(chw, 20, 5);
        Assert.Equal(r, g);
        Assert.Equal(r, b);
    }

    [Fact]
    public void A_grayscale_png_gives_its_level_in_every_channel()
    {
        byte[] png = PngFile.Write(Size, Size, 8, PngFile.Grayscale, Rows(Size, _ => [200]));

        float[] chw = Load(png);

        float expected = (200 - 127.5f) / 127.5f;
        Assert.Equal((expected, expected, expected), Pixel(chw, 5, 5));
    }

    [Fact]
    public void A_palette_png_gives_its_palette_colours()
    {
        // Palette entry 0 red, 1 green; the left half indexes 0, the right half 1.
        byte[] png = PngFile.Write(Size, Size, 8, PngFile.Palette, Rows(Size, x => [(byte)(x < Size / 2 ? 0 : 1)]), [255, 0, 0, 0, 255, 0]);

        float[] chw = Load(png);

        Assert.Equal((1f, -1f, -1f), Pixel(chw, 0, 0));
        Assert.Equal((-1f, 1f, -1f), Pixel(chw, Size - 1, Size - 1));
    }

    [Fact]
    public void A_16_bit_png_keeps_its_high_bytes()
    {
        // Big-endian 16-bit samples: R 0xFFFF, G 0x0000, B 0x4000 (a quarter: 64 in 8 bits).
        byte[] png = PngFile.Write(Size, Size, 16, PngFile.Rgb, Rows(Size, _ => [0xFF, 0xFF, 0, 0, 0x40, 0]));

        float[] chw = Load(png);

        AssertNear((1f, -1f, (64 - 127.5f) / 127.5f), Pixel(chw, 3, 3), 1.01f / 127.5f);
    }

    [Fact]
    public void An_alpha_png_is_composited_on_white()
    {
        // Red at alpha 0 (left third), 128 (middle third) and 255 (right third).
        byte[] png = PngFile.Write(48, Size, 8, PngFile.Rgba, Rows(48, x => [255, 0, 0, (byte)(x < 16 ? 0 : x < 32 ? 128 : 255)]));

        float[] chw = Load(png);

        // Crop columns 8-39: x = 2 is source column 10 (transparent), 16 is 24 (half), 30 is 38 (opaque).
        Assert.Equal((1f, 1f, 1f), Pixel(chw, 2, 10));
        AssertNear((1f, 0f, 0f), Pixel(chw, 16, 10), 1.5f / 127.5f);
        Assert.Equal((1f, -1f, -1f), Pixel(chw, 30, 10));
    }

    [Fact]
    public void A_png_header_claiming_100000_by_100000_pixels_is_refused_before_decoding()
    {
        byte[] png = PngFile.HeaderOnly(100_000, 100_000);

        Assert.False(ImageDecoder.TryDecode(png, Size, out _, out RowSkipReason reason));
        Assert.Equal(RowSkipReason.ImageTooLarge, reason);
    }

    [Fact]
    public void A_jpeg_header_claiming_60000_by_60000_pixels_is_refused_before_decoding()
    {
        byte[] jpeg = TestImages.WithFrameSize(TestImages.Jpeg(64, 48), 60_000, 60_000);

        Assert.False(ImageDecoder.TryDecode(jpeg, Size, out _, out RowSkipReason reason));
        Assert.Equal(RowSkipReason.ImageTooLarge, reason);
    }

    [Fact]
    public void The_pixel_limit_is_configurable()
    {
        byte[] png = TestImages.Encode(64, 64, SKColors.Red, SKColors.Blue, SKEncodedImageFormat.Png);

        Assert.False(ImageTransform.TryLoad(png, Size, maxPixels: (64 * 64) - 1, out _, out RowSkipReason reason));
        Assert.Equal(RowSkipReason.ImageTooLarge, reason);
        Assert.True(ImageTransform.TryLoad(png, Size, maxPixels: 64 * 64, out _, out _));
    }

    [Fact]
    public void An_exif_mirrored_jpeg_is_flipped_back()
    {
        // Orientation 2: stored mirrored left to right, so the displayed image has blue left, red right.
        float[] chw = Load(TestImages.WithExifOrientation(TestImages.Jpeg(48, 32), 2));

        AssertNear((-1f, -1f, 1f), Pixel(chw, 2, 16), 0.15f);
        AssertNear((1f, -1f, -1f), Pixel(chw, Size - 3, 16), 0.15f);
    }

    private static float[] Load(byte[] encoded)
    {
        Assert.True(ImageTransform.TryLoad(encoded, Size, out float[]? chw, out RowSkipReason reason), $"skipped as {reason}");
        return chw;
    }

    private static (float R, float G, float B) Pixel(float[] chw, int x, int y)
    {
        int plane = Size * Size;
        int at = (y * Size) + x;
        return (chw[at], chw[plane + at], chw[(2 * plane) + at]);
    }

    private static void AssertNear((float R, float G, float B) expected, (float R, float G, float B) actual, float tolerance) =>
        Assert.True(
            Math.Abs(expected.R - actual.R) <= tolerance && Math.Abs(expected.G - actual.G) <= tolerance && Math.Abs(expected.B - actual.B) <= tolerance,
            $"expected {expected} within {tolerance}, got {actual}");

    // Every row the same: each pixel's samples from pixel(x).
    private static byte[][] Rows(int width, Func<int, byte[]> pixel)
    {
        byte[] row = [.. Enumerable.Range(0, width).SelectMany(pixel)];
        return [.. Enumerable.Repeat(row, Size)];
    }
}
