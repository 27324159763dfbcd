using Orchestrator.Evaluator.Grids;
using SkiaSharp;
using TorchSharp;

namespace Orchestrator.Evaluator.Tests.Grids;

public sealed class ClipStripTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Each_clip_is_one_row_with_its_frames_across_in_order()
    {
        var path = _folder.File("strip.png");
        // Two clips of 3 frames, 4x5 pixels: frame f of clip i is grey level (i * 3 + f) / 5 in [-1, 1].
        using var clips = torch.zeros([2, 3, 3, 4, 5]);
        for (var i = 0; i < 2; i++)
        {
            for (var f = 0; f < 3; f++)
            {
                clips[i, .., f].fill_(-1 + 2 * (i * 3 + f) / 5.0);
            }
        }

        ClipStrip.WritePng(path, clips, ["a red circle moving left to right", "a blue square growing"], scale: 2);

        using var bitmap = SKBitmap.Decode(path);
        var padding = SampleGrid.Padding;
        Assert.Equal(3 * 5 * 2 + 2 * padding, bitmap.Width);
        var rowHeight = (bitmap.Height - padding) / 2;
        for (var i = 0; i < 2; i++)
        {
            for (var f = 0; f < 3; f++)
            {
                var level = (byte)Math.Round((i * 3 + f) / 5.0 * 255);
                var pixel = bitmap.GetPixel(padding + f * 10 + 5, padding + i * rowHeight + 4);
                Assert.Equal(new SKColor(level, level, level), pixel);
            }
        }
    }

    [Fact]
    public void Images_are_refused_with_their_shape()
    {
        using var images = torch.zeros([2, 3, 4, 4]);

        var error = Assert.Throws<ArgumentException>(() => ClipStrip.WritePng(_folder.File("x.png"), images, ["a", "b"]));

        Assert.Contains("(n, 3, F, H, W)", error.Message, StringComparison.Ordinal);
    }
}
