using Orchestrator.DataLoader.Decoding;
using SkiaSharp;

namespace Orchestrator.DataLoader.Tests.Decoding;

/// <summary>
/// Every decode path (scaled JPEG, exact-size crop, bilinear and mipmapped downscale, upscale, EXIF
/// rotation, CMYK, progressive, alpha, refusals) on several threads at once, many times: the values
/// must equal one thread's. Run under a heap checker (docs/benchmarks.md) this is what catches a native
/// buffer used after it is freed or shared across threads.
/// </summary>
public sealed class ParallelDecodeTests
{
    [Fact]
    public void Decoding_on_four_threads_gives_the_values_of_one()
    {
        byte[][] inputs =
        [
            TestImages.NoisyJpeg(200, 120),
            TestImages.NoisyJpeg(64, 64),
            TestImages.Jpeg(130, 70),
            TestImages.Encode(300, 200, SKColors.Red, SKColors.Green, SKEncodedImageFormat.Png),
            TestImages.Encode(20, 24, SKColors.Red, SKColors.Green, SKEncodedImageFormat.Png),
            TestImages.WithExifOrientation(TestImages.NoisyJpeg(90, 60), 6),
            PilFixtures.Cmyk,
            PilFixtures.Progressive,
            PngFile.Write(40, 32, 8, PngFile.Rgba, [.. Enumerable.Range(0, 32).Select(y => Enumerable.Range(0, 160).Select(i => (byte)(i * y)).ToArray())]),
            PngFile.HeaderOnly(100_000, 100_000),
            TestImages.NoisyJpeg(64, 64)[..900],
        ];
        const int size = 32;
        float[]?[] expected = [.. inputs.Select(bytes => ImageTransform.TryLoad(bytes, size, out float[]? chw, out _) ? chw : null)];

        var mismatches = new System.Collections.Concurrent.ConcurrentBag<int>();
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            int which = i % inputs.Length;
            var slot = new float[3 * size * size];
            bool loaded = ImageTransform.TryLoad(inputs[which], size, ImageDecoder.DefaultMaxPixels, slot, out _);
            if (loaded != expected[which] is not null || (loaded && !slot.AsSpan().SequenceEqual(expected[which])))
            {
                mismatches.Add(which);
            }
        });

        Assert.Empty(mismatches);
        Assert.Equal(2, expected.Count(e => e is null));
    }
}
