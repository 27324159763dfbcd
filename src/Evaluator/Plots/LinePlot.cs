using Orchestrator.Evaluator.Drawing;
using SkiaSharp;

namespace Orchestrator.Evaluator.Plots;

/// <summary>Writes a line chart as PNG (axes, numbered ticks, legend), e.g. the loss curve of a run.</summary>
public static class LinePlot
{
    internal const int Width = 800;
    internal const int Height = 500;

    private const int MinimumMarginLeft = 60;
    private const int MinimumMarginRight = 20;
    private const int MarginTop = 40;
    private const int MarginBottom = 60;
    private const int TickLength = 5;

    // Distinguishable line colours, cycled when there are more series.
    private static readonly SKColor[] Palette =
    [
        new(0x1f, 0x6f, 0xb4), new(0xe0, 0x6c, 0x00), new(0x2a, 0x9d, 0x3a), new(0xc8, 0x2a, 0x2a),
        new(0x7b, 0x4f, 0xb0), new(0x8a, 0x5a, 0x44), new(0xd4, 0x4f, 0xa8), new(0x5f, 0x5f, 0x5f),
    ];

    /// <summary>
    /// Writes the chart to <paramref name="path"/> (temporary file, then rename). Non-finite points are left out,
    /// breaking the line there.
    /// </summary>
    public static void WritePng(
        string path,
        string title,
        IReadOnlyList<(string Name, IReadOnlyList<(double X, double Y)> Points)> series,
        string xLabel,
        string yLabel) =>
        WritePng(path, title, series, xLabel, yLabel, TextPainter.Create(15));

    internal static void WritePng(
        string path,
        string title,
        IReadOnlyList<(string Name, IReadOnlyList<(double X, double Y)> Points)> series,
        string xLabel,
        string yLabel,
        TextPainter painter)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckSeries(series);
        using var bitmap = new SKBitmap(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            DrawChart(canvas, new SKRect(0, 0, Width, Height), title, series, xLabel, yLabel, painter);
        }
        PngFile.Write(path, bitmap);
    }

    /// <summary>
    /// Writes charts stacked one above the other, each with its own y axis (quantities of different scales, such as
    /// the loss and FID of a run, over one x quantity), to <paramref name="path"/> (temporary file, then rename).
    /// </summary>
    public static void WritePanelsPng(string path, IReadOnlyList<PlotPanel> panels, string xLabel) =>
        WritePanelsPng(path, panels, xLabel, TextPainter.Create(15));

    internal static void WritePanelsPng(string path, IReadOnlyList<PlotPanel> panels, string xLabel, TextPainter painter)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(panels);
        if (panels.Count == 0)
            throw new ArgumentException("No panels to plot; expected at least one.", nameof(panels));
        foreach (var panel in panels)
            CheckSeries(panel.Series);
        int panelHeight = Height * 3 / 5;
        using var bitmap = new SKBitmap(new SKImageInfo(Width, panelHeight * panels.Count, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            for (int i = 0; i < panels.Count; i++)
            {
                var area = new SKRect(0, i * panelHeight, Width, (i + 1) * panelHeight);
                DrawChart(canvas, area, panels[i].Title, panels[i].Series, xLabel, panels[i].YLabel, painter);
            }
        }
        PngFile.Write(path, bitmap);
    }

    private static void CheckSeries(IReadOnlyList<(string Name, IReadOnlyList<(double X, double Y)> Points)> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        for (int s = 0; s < series.Count; s++)
        {
            if (series[s].Points is null)
                throw new ArgumentException($"Series {s} ('{series[s].Name}') has no point list; expected a list, possibly empty.", nameof(series));
        }
    }

    private static void DrawChart(
        SKCanvas canvas,
        SKRect area,
        string title,
        IReadOnlyList<(string Name, IReadOnlyList<(double X, double Y)> Points)> series,
        string xLabel,
        string yLabel,
        TextPainter painter)
    {
        var finite = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        var xTicks = finite.Count == 0 ? AxisTicks.Cover(0, 1) : AxisTicks.Cover(finite.Min(p => p.X), finite.Max(p => p.X));
        var yTicks = finite.Count == 0 ? AxisTicks.Cover(0, 1) : AxisTicks.Cover(finite.Min(p => p.Y), finite.Max(p => p.Y));
        // Room on the left for the widest y tick label and the rotated y label, on the right for the last x label.
        float yLabelsWidth = yTicks.Values.Max(y => painter.Measure(yTicks.Format(y)));
        float marginLeft = Math.Max(MinimumMarginLeft, 6 + painter.LineHeight + 8 + yLabelsWidth + 3 + TickLength);
        float marginRight = Math.Max(MinimumMarginRight, painter.Measure(xTicks.Format(xTicks.Maximum)) / 2 + 6);
        var plot = new SKRect(area.Left + marginLeft, area.Top + MarginTop, area.Right - marginRight, area.Bottom - MarginBottom);
        float ToX(double x) => plot.Left + (float)((x - xTicks.Minimum) / (xTicks.Maximum - xTicks.Minimum)) * plot.Width;
        float ToY(double y) => plot.Bottom - (float)((y - yTicks.Minimum) / (yTicks.Maximum - yTicks.Minimum)) * plot.Height;

        using var grid = new SKPaint { Color = new SKColor(0xe4, 0xe4, 0xe4), StrokeWidth = 1, IsAntialias = false };
        using var axis = new SKPaint { Color = SKColors.Black, StrokeWidth = 1, IsAntialias = false };

        foreach (double x in xTicks.Values)
        {
            float px = ToX(x);
            canvas.DrawLine(px, plot.Top, px, plot.Bottom, grid);
            canvas.DrawLine(px, plot.Bottom, px, plot.Bottom + TickLength, axis);
            string label = xTicks.Format(x);
            painter.Draw(canvas, label, px - painter.Measure(label) / 2, plot.Bottom + TickLength + 2, SKColors.Black);
        }
        foreach (double y in yTicks.Values)
        {
            float py = ToY(y);
            canvas.DrawLine(plot.Left, py, plot.Right, py, grid);
            canvas.DrawLine(plot.Left - TickLength, py, plot.Left, py, axis);
            string label = yTicks.Format(y);
            painter.Draw(canvas, label, plot.Left - TickLength - 3 - painter.Measure(label), py - painter.LineHeight / 2f, SKColors.Black);
        }
        using var frame = new SKPaint { Color = SKColors.Black, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        canvas.DrawRect(plot, frame);

        DrawCentred(canvas, painter, title ?? "", area.MidX, area.Top + (MarginTop - painter.LineHeight) / 2f);
        DrawCentred(canvas, painter, xLabel ?? "", plot.MidX, area.Bottom - painter.LineHeight - 6);
        canvas.Save();
        canvas.RotateDegrees(-90, 0, 0);
        DrawCentred(canvas, painter, yLabel ?? "", -plot.MidY, area.Left + 6);   // rotated: x is minus the page's y
        canvas.Restore();

        canvas.Save();
        canvas.ClipRect(plot);
        for (int s = 0; s < series.Count; s++)
            DrawSeries(canvas, series[s].Points, Palette[s % Palette.Length], ToX, ToY);
        canvas.Restore();

        DrawLegend(canvas, painter, series, plot);
    }

    private static void DrawSeries(SKCanvas canvas, IReadOnlyList<(double X, double Y)> points, SKColor color, Func<double, float> toX, Func<double, float> toY)
    {
        using var line = new SKPaint { Color = color, StrokeWidth = 2, IsAntialias = true, Style = SKPaintStyle.Stroke };
        using var path = new SKPath();
        bool open = false;
        int drawn = 0;
        foreach (var (x, y) in points)
        {
            if (!double.IsFinite(x) || !double.IsFinite(y))
            {
                open = false;
                continue;
            }
            if (open)
                path.LineTo(toX(x), toY(y));
            else
                path.MoveTo(toX(x), toY(y));
            open = true;
            drawn++;
        }
        canvas.DrawPath(path, line);
        if (drawn == 1)
        {
            // A lone point has no segment to show: mark it.
            var (x, y) = points.First(p => double.IsFinite(p.X) && double.IsFinite(p.Y));
            using var dot = new SKPaint { Color = color, IsAntialias = true, Style = SKPaintStyle.Fill };
            canvas.DrawCircle(toX(x), toY(y), 3, dot);
        }
    }

    private static void DrawLegend(
        SKCanvas canvas, TextPainter painter, IReadOnlyList<(string Name, IReadOnlyList<(double X, double Y)> Points)> series, SKRect plot)
    {
        if (series.Count == 0)
            return;
        const int Swatch = 18;
        const int Gap = 6;
        float textWidth = series.Max(s => painter.Measure(s.Name ?? ""));
        float width = Gap + Swatch + Gap + textWidth + Gap;
        float height = Gap + series.Count * painter.LineHeight + Gap;
        var box = new SKRect(plot.Right - width - 8, plot.Top + 8, plot.Right - 8, plot.Top + 8 + height);
        using var fill = new SKPaint { Color = new SKColor(255, 255, 255, 230), Style = SKPaintStyle.Fill };
        using var border = new SKPaint { Color = new SKColor(0xa0, 0xa0, 0xa0), Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        canvas.DrawRect(box, fill);
        canvas.DrawRect(box, border);
        for (int s = 0; s < series.Count; s++)
        {
            float top = box.Top + Gap + s * painter.LineHeight;
            float middle = top + painter.LineHeight / 2f;
            using var swatch = new SKPaint { Color = Palette[s % Palette.Length], StrokeWidth = 3, IsAntialias = true };
            canvas.DrawLine(box.Left + Gap, middle, box.Left + Gap + Swatch, middle, swatch);
            painter.Draw(canvas, series[s].Name ?? "", box.Left + Gap + Swatch + Gap, top, SKColors.Black);
        }
    }

    private static void DrawCentred(SKCanvas canvas, TextPainter painter, string text, float centreX, float top) =>
        painter.Draw(canvas, text, centreX - painter.Measure(text) / 2, top, SKColors.Black);
}
