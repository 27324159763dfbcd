namespace Orchestrator.Coordinator.Run;

/// <summary>What a finished run leaves behind, printed at the end of `orchestrator train`.</summary>
public sealed record RunSummary(
    long StartStep,
    long CompletedSteps,
    double FirstLoss,
    double LastLoss,
    string? LastCheckpoint,
    string? LastGrid,
    double? LastFrechetDistance,
    string? Extractor,
    string MetricsPath,
    string? LossPlotPath);
