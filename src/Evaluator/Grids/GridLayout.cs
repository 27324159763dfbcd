namespace Orchestrator.Evaluator.Grids;

/// <summary>Where each cell of a sample grid goes: cells of one image band plus one caption band, padded.</summary>
internal sealed class GridLayout
{
    public GridLayout(int count, int columns, int cellWidth, int imageHeight, int captionHeight)
    {
        Columns = Math.Min(columns, count);
        Rows = (count + Columns - 1) / Columns;
        CellWidth = cellWidth;
        ImageHeight = imageHeight;
        CaptionHeight = captionHeight;
        Width = Columns * (CellWidth + SampleGrid.Padding) + SampleGrid.Padding;
        Height = Rows * (ImageHeight + CaptionHeight + SampleGrid.Padding) + SampleGrid.Padding;
    }

    public int Columns { get; }

    public int Rows { get; }

    public int CellWidth { get; }

    public int ImageHeight { get; }

    public int CaptionHeight { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Top-left corner of cell <paramref name="index"/>'s image, row-major.</summary>
    public (int Left, int Top) CellOrigin(int index) =>
        (SampleGrid.Padding + index % Columns * (CellWidth + SampleGrid.Padding),
         SampleGrid.Padding + index / Columns * (ImageHeight + CaptionHeight + SampleGrid.Padding));
}
