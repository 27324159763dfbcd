using Orchestrator.Evaluator.Drawing;
using Orchestrator.Evaluator.Grids;
using SkiaSharp;
using TorchSharp;
using Xunit.Abstractions;

namespace Orchestrator.Evaluator.Tests.Grids;

public sealed class SampleGridTests(ITestOutputHelper output) : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> Painters => ["system", "bitmap"];

    [Theory]
    [MemberData(nameof(Painters))]
    public void Grid_has_expected_size_and_text_in_caption_bands(string font)
    {
        var painter = font == "bitmap" ? new BitmapTextPainter(SampleGrid.CaptionPixelHeight) : TextPainter.Create(SampleGrid.CaptionPixelHeight);
        output.WriteLine($"{font}: {painter.GetType().Name}, line height {painter.LineHeight}");
        string path = _folder.File("grid.png");
        using var images = torch.full(5, 3, 16, 24, 0.5f);   // light grey: no dark pixels of their own
        string[] captions = ["a cat", "", "a very long caption that has to wrap over several lines and then some more", "dog", "red fox"];

        SampleGrid.WritePng(path, images, captions, columns: 3, scale: 3, painter);

        using var bitmap = SKBitmap.Decode(path);
        int captionHeight = SampleGrid.CaptionLines * painter.LineHeight;
        Assert.Equal(3 * (24 * 3 + SampleGrid.Padding) + SampleGrid.Padding, bitmap.Width);
        Assert.Equal(2 * (16 * 3 + captionHeight + SampleGrid.Padding) + SampleGrid.Padding, bitmap.Height);
        for (int i = 0; i < captions.Length; i++)
        {
            int left = SampleGrid.Padding + i % 3 * (24 * 3 + SampleGrid.Padding);
            int top = SampleGrid.Padding + i / 3 * (16 * 3 + captionHeight + SampleGrid.Padding) + 16 * 3;
            int dark = DarkPixels(bitmap, new SKRectI(left, top, left + 24 * 3, top + captionHeight));
            if (captions[i].Length == 0)
                Assert.Equal(0, dark);
            else
                Assert.True(dark >= 5, $"caption {i} '{captions[i]}' drew {dark} dark pixels");
        }
        Assert.Single(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void Images_are_upscaled_by_nearest_neighbour()
    {
        string path = _folder.File("nearest.png");
        // One 2x2 image: red, green / blue, black, in [-1, 1].
        using var image = torch.tensor(new float[] { 1, -1, -1, -1, -1, 1, -1, -1, -1, -1, 1, -1 }, [1, 3, 2, 2]);

        SampleGrid.WritePng(path, image, ["rgb"], columns: 1, scale: 3);

        using var bitmap = SKBitmap.Decode(path);
        int o = SampleGrid.Padding;
        foreach (var (dx, dy, colour) in new[] { (0, 0, SKColors.Red), (1, 0, new SKColor(0, 255, 0)), (0, 1, SKColors.Blue), (1, 1, SKColors.Black) })
        {
            for (int y = 0; y < 3; y++)
            {
                for (int x = 0; x < 3; x++)
                    Assert.Equal(colour, bitmap.GetPixel(o + dx * 3 + x, o + dy * 3 + y));
            }
        }
        Assert.Equal(SKColors.White, bitmap.GetPixel(o + 6, o));
    }

    [Fact]
    public void Videos_are_laid_out_as_strips_of_frames()
    {
        string path = _folder.File("video.png");
        using var videos = torch.zeros([2, 3, 4, 8, 10]);

        SampleGrid.WritePng(path, videos, ["first clip", "second clip"], columns: 2, scale: 2);

        using var bitmap = SKBitmap.Decode(path);
        Assert.Equal(2 * (4 * 10 * 2 + SampleGrid.Padding) + SampleGrid.Padding, bitmap.Width);
    }

    [Fact]
    public void Caption_count_must_match_image_count()
    {
        using var images = torch.zeros(3, 3, 8, 8);

        var error = Assert.Throws<ArgumentException>(
            () => SampleGrid.WritePng(_folder.File("x.png"), images, ["one", "two"], columns: 2, scale: 1));

        Assert.Contains("2 captions for 3 images", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void Images_of_wrong_shape_are_rejected()
    {
        using var images = torch.zeros(3, 8, 8);

        var error = Assert.Throws<ArgumentException>(
            () => SampleGrid.WritePng(_folder.File("x.png"), images, ["a", "b", "c"], columns: 2, scale: 1));

        Assert.Contains("[3, 8, 8]; expected (n, 3, H, W) or (n, 3, F, H, W)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_output_folder_is_named_in_the_error()
    {
        using var images = torch.zeros(1, 3, 8, 8);
        string path = Path.Combine(_folder.Path, "absent", "grid.png");

        var error = Assert.Throws<DirectoryNotFoundException>(() => SampleGrid.WritePng(path, images, ["a"], columns: 1, scale: 1));

        Assert.Contains(Path.Combine(_folder.Path, "absent"), error.Message, StringComparison.Ordinal);
    }

    internal static int DarkPixels(SKBitmap bitmap, SKRectI area)
    {
        int dark = 0;
        for (int y = area.Top; y < area.Bottom; y++)
        {
            for (int x = area.Left; x < area.Right; x++)
            {
                var pixel = bitmap.GetPixel(x, y);
                if (pixel.Red + pixel.Green + pixel.Blue < 3 * 100)
                    dark++;
            }
        }
        return dark;
    }
}
