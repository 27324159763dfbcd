using SkiaSharp;

namespace Orchestrator.DataLoader.Tests;

/// <summary>Small encoded images for tests: the left half one colour, the right half another.</summary>
internal static class TestImages
{
    public static byte[] Encode(int width, int height, SKColor left, SKColor right, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Color = right })
        {
            canvas.Clear(left);
            canvas.DrawRect(width / 2f, 0, width / 2f, height, paint);
        }

        using SKData data = bitmap.Encode(format, 95);
        return data.ToArray();
    }

    public static byte[] Jpeg(int width, int height) =>
        Encode(width, height, SKColors.Red, SKColors.Blue, SKEncodedImageFormat.Jpeg);

    /// <summary>A JPEG of random pixels: most of its bytes are scan data, so a cut lands inside the image data.</summary>
    public static byte[] NoisyJpeg(int width, int height)
    {
        var random = new Random(5);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
            }
        }

        using SKData data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    /// <summary>The JPEG with an EXIF APP1 segment (big-endian TIFF, one IFD entry: Orientation) right after SOI.</summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] segment =
        [
            0xFF, 0xE1, 0x00, 34,
            (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
            (byte)'M', (byte)'M', 0x00, 0x2A, 0, 0, 0, 8,
            0, 1,
            0x01, 0x12, 0, 3, 0, 0, 0, 1, (byte)(orientation >> 8), (byte)orientation, 0, 0,
            0, 0, 0, 0,
        ];
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }

    /// <summary>The baseline JPEG with its frame header (SOF0, FF C0) claiming <paramref name="width"/> x <paramref name="height"/>; the scan is unchanged.</summary>
    public static byte[] WithFrameSize(byte[] jpeg, ushort width, ushort height)
    {
        byte[] patched = [.. jpeg];
        // After the marker: length (2), precision (1), height (2), width (2), all big-endian.
        int frame = Enumerable.Range(2, patched.Length - 2).First(i => patched[i - 1] == 0xFF && patched[i] == 0xC0) + 1;
        patched[frame + 3] = (byte)(height >> 8);
        patched[frame + 4] = (byte)height;
        patched[frame + 5] = (byte)(width >> 8);
        patched[frame + 6] = (byte)width;
        return patched;
    }
}
