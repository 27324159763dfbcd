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
