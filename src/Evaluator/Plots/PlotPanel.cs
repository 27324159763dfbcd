namespace Orchestrator.Evaluator.Plots;

/// <summary>One chart of a stacked plot (<see cref="LinePlot.WritePanelsPng(string, IReadOnlyList{PlotPanel}, string)"/>): its own title, y axis and series.</summary>
public sealed record PlotPanel(string Title, string YLabel, IReadOnlyList<(string Name, IReadOnlyList<(double X, double Y)> Points)> Series);
