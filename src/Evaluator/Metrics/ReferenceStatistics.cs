namespace Orchestrator.Evaluator.Metrics;

/// <summary>Reference statistics and where they came from.</summary>
/// <param name="Statistics">Mean and covariance of the real images' features.</param>
/// <param name="FromCache">True when read from the cache, false when computed (and saved) by this call.</param>
/// <param name="Path">The cache file.</param>
/// <param name="Note">Why a cache file present was not used, for the log; null otherwise.</param>
public sealed record ReferenceStatistics(FeatureStatistics Statistics, bool FromCache, string Path, string? Note);
