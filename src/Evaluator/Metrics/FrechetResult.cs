namespace Orchestrator.Evaluator.Metrics;

/// <summary>A squared Fréchet distance, with the diagonal offset used when a covariance was near-singular.</summary>
/// <param name="Distance">d^2 between the two Gaussians (0 or more).</param>
/// <param name="Offset">The eps added to both covariances' diagonals, or 0 when none was needed.</param>
/// <param name="Note">Why the offset was used, for the log; null when it was not.</param>
public sealed record FrechetResult(double Distance, double Offset, string? Note);
