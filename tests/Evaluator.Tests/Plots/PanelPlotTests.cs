using Orchestrator.Evaluator.Plots;
using SkiaSharp;

namespace Orchestrator.Evaluator.Tests.Plots;

public sealed class PanelPlotTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Panels_stack_one_chart_per_quantity_each_drawn_in_its_own_band()
    {
        string path = _folder.File("run.png");
        var loss = Enumerable.Range(1, 100).Select(s => ((double)s, 1.0 / s)).ToList();
        var fid = new List<(double, double)> { (25, 300), (50, 120), (100, 80) };
        var clip = new List<(double, double)> { (25, 18), (50, 22), (100, 24) };

        LinePlot.WritePanelsPng(path, [
            new PlotPanel("training loss", "loss", [("loss", loss)]),
            new PlotPanel("FID", "fid", [("fid", fid)]),
            new PlotPanel("CLIP score", "clip_score", [("clip_score", clip)]),
        ], "step");

        using var bitmap = SKBitmap.Decode(path);
        Assert.Equal(LinePlot.Width, bitmap.Width);
        int band = bitmap.Height / 3;
        Assert.Equal(3 * band, bitmap.Height);
        for (int panel = 0; panel < 3; panel++)
        {
            // Each band has its own line (the first palette colour) and its own frame.
            int blue = 0;
            for (int y = panel * band; y < (panel + 1) * band; y++)
            {
                for (int x = 0; x < bitmap.Width; x++)
                {
                    var p = bitmap.GetPixel(x, y);
                    if (p.Blue > 150 && p.Red < 80)
                        blue++;
                }
            }
            Assert.True(blue > 100, $"panel {panel}: {blue} pixels of its series' blue");
        }
    }

    [Fact]
    public void No_panels_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => LinePlot.WritePanelsPng(_folder.File("none.png"), [], "step"));
        Assert.Contains("at least one", error.Message, StringComparison.Ordinal);
    }
}
