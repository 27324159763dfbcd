using Orchestrator.Evaluator.Drawing;
using Orchestrator.Evaluator.Plots;
using Orchestrator.Evaluator.Tests.Grids;
using SkiaSharp;

namespace Orchestrator.Evaluator.Tests.Plots;

public sealed class LinePlotTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Loss_curve_png_has_lines_and_labels()
    {
        string path = _folder.File("loss.png");
        var train = Enumerable.Range(0, 200).Select(s => ((double)s, 1.0 / (1 + s * 0.05))).ToList();
        var validation = Enumerable.Range(0, 10).Select(s => (s * 20.0, 1.1 / (1 + s))).ToList();

        LinePlot.WritePng(path, "loss", [("train", train), ("validation", validation)], "step", "loss");

        using var bitmap = SKBitmap.Decode(path);
        Assert.Equal(LinePlot.Width, bitmap.Width);
        Assert.Equal(LinePlot.Height, bitmap.Height);
        int coloured = 0;
        for (int y = 0; y < bitmap.Height; y++)
        {
            for (int x = 0; x < bitmap.Width; x++)
            {
                var p = bitmap.GetPixel(x, y);
                if (p.Blue > 150 && p.Red < 80)
                    coloured++;
            }
        }
        Assert.True(coloured > 200, $"{coloured} pixels of the first series' blue");
        // Tick labels under the x axis: dark pixels below the plot area.
        Assert.True(SampleGridTests.DarkPixels(bitmap, new SKRectI(60, LinePlot.Height - 58, LinePlot.Width, LinePlot.Height - 30)) > 20);
        Assert.Single(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void Plot_with_bitmap_font_has_label_pixels()
    {
        string path = _folder.File("bitmap.png");

        LinePlot.WritePng(path, "t", [("a", [(0.0, 1.0), (1.0, 2.0)])], "x", "y", new BitmapTextPainter(13));

        using var bitmap = SKBitmap.Decode(path);
        Assert.True(SampleGridTests.DarkPixels(bitmap, new SKRectI(0, LinePlot.Height - 58, LinePlot.Width, LinePlot.Height)) > 20);
    }

    [Fact]
    public void Empty_single_point_and_non_finite_series_still_plot()
    {
        string path = _folder.File("odd.png");

        LinePlot.WritePng(
            path, "odd", [("empty", []), ("one", [(3.0, 3.0)]), ("gap", [(0.0, 1.0), (1.0, double.NaN), (2.0, 2.0)])], "x", "y");

        using var bitmap = SKBitmap.Decode(path);
        Assert.Equal(LinePlot.Width, bitmap.Width);
        Assert.True(SampleGridTests.DarkPixels(bitmap, new SKRectI(0, 0, LinePlot.Width, LinePlot.Height)) > 100);
    }

    [Fact]
    public void Ticks_are_round_numbers_covering_the_data()
    {
        var ticks = AxisTicks.Cover(0.3, 97);

        Assert.Equal([0.0, 20, 40, 60, 80, 100], ticks.Values.ToArray());
        Assert.Equal("40", ticks.Format(40));
        var fractions = AxisTicks.Cover(0.01, 0.93);
        Assert.Equal(0.2, fractions.Step, 1e-12);
        Assert.Equal("0.4", fractions.Format(fractions.Values.ElementAt(2)));
    }
}
