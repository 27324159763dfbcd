using Orchestrator.Core.Protocol;

namespace Orchestrator.Evaluator.Actors;

/// <summary>
/// Evaluate the checkpoint in <paramref name="Directory"/>, written after <paramref name="Step"/> steps;
/// <paramref name="TraceParent"/> is the W3C traceparent of the run span.
/// </summary>
public sealed record EvaluateCheckpoint(string Directory, long Step, string? TraceParent = null) : IClusterMessage;

/// <summary>The evaluation's results: where the sample grid is and the Frechet distance on the named features.</summary>
public sealed record EvaluationCompleted(long Step, string GridPath, double FrechetDistance, string Extractor) : IClusterMessage;

/// <summary>The evaluation could not be done; training is not affected.</summary>
public sealed record EvaluationFailed(long Step, string Reason) : IClusterMessage;
