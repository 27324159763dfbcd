using Orchestrator.DataLoader.Decoding;
using SkiaSharp;

namespace Orchestrator.DataLoader.Tests.Decoding;

public sealed class ImageDecoderTests
{
    [Fact]
    public void A_png_decodes_too()
    {
        byte[] png = TestImages.Encode(40, 40, SKColors.Red, SKColors.Blue, SKEncodedImageFormat.Png);

        Assert.True(ImageTransform.TryLoad(png, 16, out float[]? chw, out _));

        // PNG is lossless: the left column is exactly red (1, -1, -1), the right exactly blue.
        int plane = 16 * 16;
        Assert.Equal([1f, -1f, -1f], [chw[0], chw[plane], chw[2 * plane]]);
        Assert.Equal([-1f, -1f, 1f], [chw[15], chw[plane + 15], chw[(2 * plane) + 15]]);
    }

    [Fact]
    public void The_transform_gives_3_by_s_by_s_values_in_minus_one_to_one()
    {
        byte[] jpeg = TestImages.Jpeg(100, 60);

        Assert.True(ImageTransform.TryLoad(jpeg, 32, out float[]? chw, out _));

        Assert.Equal(3 * 32 * 32, chw.Length);
        Assert.All(chw, v => Assert.InRange(v, -1f, 1f));
        Assert.True(chw.Min() < -0.9f && chw.Max() > 0.9f, "a red and blue image should reach both ends of the range");
    }

    [Fact]
    public void The_center_crop_keeps_the_middle_of_a_wide_image()
    {
        // 90 x 30: red 0-44, blue 45-89; the centre 30 x 30 crop (30-59) is half red, half blue.
        byte[] png = TestImages.Encode(90, 30, SKColors.Red, SKColors.Blue, SKEncodedImageFormat.Png);

        Assert.True(ImageTransform.TryLoad(png, 30, out float[]? chw, out _));

        Assert.Equal(1f, chw[0]);
        Assert.Equal(-1f, chw[29]);
    }

    [Fact]
    public void A_large_jpeg_is_scaled_on_decode_but_not_below_the_target()
    {
        byte[] jpeg = TestImages.Jpeg(256, 200);

        Assert.True(ImageDecoder.TryDecode(jpeg, 48, out SKBitmap? bitmap, out _));
        using (bitmap)
        {
            Assert.InRange(Math.Min(bitmap.Width, bitmap.Height), 48, 99);
            Assert.Equal(256.0 / 200.0, (double)bitmap.Width / bitmap.Height, 1);
        }
    }

    [Fact]
    public void The_exif_orientation_is_applied()
    {
        // Stored 40 x 20, red left and blue right; orientation 6 means "rotate 90 degrees clockwise
        // to display", which puts the red half on top of a 20 x 40 image.
        byte[] jpeg = TestImages.WithExifOrientation(TestImages.Jpeg(40, 20), 6);

        Assert.True(ImageDecoder.TryDecode(jpeg, 20, out SKBitmap? bitmap, out _));
        using (bitmap)
        {
            Assert.Equal((20, 40), (bitmap.Width, bitmap.Height));
            Assert.True(bitmap.GetPixel(10, 5).Red > 200 && bitmap.GetPixel(10, 5).Blue < 60, "top should be red");
            Assert.True(bitmap.GetPixel(10, 35).Blue > 200 && bitmap.GetPixel(10, 35).Red < 60, "bottom should be blue");
        }
    }

    [Fact]
    public void A_jpeg_is_decoded_at_the_smallest_eighth_scale_that_covers_the_target()
    {
        // 600 x 400 to 256: 5/8 gives 375 x 250 (too small), 6/8 gives 450 x 300, under 2x but still a scale.
        byte[] jpeg = TestImages.Jpeg(600, 400);

        Assert.True(ImageDecoder.TryDecode(jpeg, 256, out SKBitmap? bitmap, out _));
        using (bitmap)
        {
            Assert.Equal((450, 300), (bitmap.Width, bitmap.Height));
            Assert.Equal(SKAlphaType.Opaque, bitmap.AlphaType);
        }
    }

    [Fact]
    public void An_image_whose_shorter_side_is_the_target_gives_its_centre_pixels_exactly()
    {
        // 40 x 16 of distinct pixels, PNG (lossless): the 16 x 16 crop is columns 12-27, copied without resampling.
        using var source = new SKBitmap(new SKImageInfo(40, 16, SKColorType.Rgba8888, SKAlphaType.Premul));
        for (int y = 0; y < 16; y++)
        {
            for (int x = 0; x < 40; x++)
            {
                source.SetPixel(x, y, new SKColor((byte)(x * 6), (byte)(y * 15), (byte)((x + y) * 4)));
            }
        }

        using SKData png = source.Encode(SKEncodedImageFormat.Png, 100);

        Assert.True(ImageTransform.TryLoad(png.ToArray(), 16, out float[]? chw, out _));

        int plane = 16 * 16;
        for (int y = 0; y < 16; y++)
        {
            for (int x = 0; x < 16; x++)
            {
                SKColor c = source.GetPixel(12 + x, y);
                int at = (y * 16) + x;
                Assert.Equal([(c.Red / 127.5f) - 1f, (c.Green / 127.5f) - 1f, (c.Blue / 127.5f) - 1f], [chw[at], chw[plane + at], chw[(2 * plane) + at]]);
            }
        }
    }

    [Theory]
    [InlineData(32)]
    [InlineData(20)]
    [InlineData(48)]
    public void A_transparent_png_is_composited_on_white(int size)
    {
        // Left half clear, right half half-transparent black: white, then mid grey (255 - 128 = 127 after source-over).
        byte[] png = TestImages.Encode(32, 32, SKColors.Transparent, new SKColor(0, 0, 0, 128), SKEncodedImageFormat.Png);

        Assert.True(ImageTransform.TryLoad(png, size, out float[]? chw, out _));

        int plane = size * size;
        int last = size - 1;
        Assert.Equal([1f, 1f, 1f], [chw[0], chw[plane], chw[2 * plane]]);
        Assert.All(new[] { chw[last], chw[plane + last], chw[(2 * plane) + last] }, v => Assert.Equal((127 / 127.5f) - 1f, v, 0.01f));
    }

    [Theory]
    [InlineData(120, 64, 40)]
    [InlineData(64, 120, 40)]
    [InlineData(300, 200, 64)]
    public void Decoding_only_the_centre_gives_the_centre_square_of_the_whole_decode(int width, int height, int target)
    {
        byte[] jpeg = TestImages.NoisyJpeg(width, height);

        Assert.True(ImageDecoder.TryDecode(jpeg, target, out SKBitmap? whole, out _));
        Assert.True(ImageDecoder.TryDecodeCentre(jpeg, target, out SKBitmap? centre, out _));
        using (whole)
        using (centre)
        {
            int side = Math.Min(whole.Width, whole.Height);
            Assert.Equal((side, side), (centre.Width, centre.Height));
            int left = (whole.Width - side) / 2;
            int top = (whole.Height - side) / 2;
            int differing = 0;
            for (int y = 0; y < side; y++)
            {
                for (int x = 0; x < side; x++)
                {
                    differing += whole.GetPixel(left + x, top + y) == centre.GetPixel(x, y) ? 0 : 1;
                }
            }

            Assert.Equal(0, differing);
        }
    }

    [Theory]
    [InlineData(160, 64)]
    [InlineData(64, 160)]
    public void A_cut_jpeg_is_truncated_even_when_the_cut_is_outside_the_centre(int width, int height)
    {
        // Cut at 90%: for the tall image that is in the rows below the centre square.
        byte[] jpeg = TestImages.NoisyJpeg(width, height);

        Assert.False(ImageDecoder.TryDecodeCentre(jpeg[..(jpeg.Length * 9 / 10)], 32, out _, out RowSkipReason reason));
        Assert.Equal(RowSkipReason.TruncatedImage, reason);
    }

    [Fact]
    public void Unusable_images_give_their_skip_reason()
    {
        byte[] jpeg = TestImages.NoisyJpeg(64, 64);

        Assert.Equal(RowSkipReason.MissingImage, Reason(null));
        Assert.Equal(RowSkipReason.MissingImage, Reason([]));
        Assert.Equal(RowSkipReason.Undecodable, Reason([.. Enumerable.Range(0, 500).Select(i => (byte)(i * 7))]));
        Assert.Equal(RowSkipReason.TruncatedImage, Reason(jpeg[..(jpeg.Length * 2 / 3)]));
        Assert.Equal(RowSkipReason.ImageTooSmall, Reason(TestImages.Jpeg(6, 30)));
    }

    private static RowSkipReason? Reason(byte[]? bytes) =>
        ImageTransform.TryLoad(bytes, 16, out _, out RowSkipReason reason) ? null : reason;
}
