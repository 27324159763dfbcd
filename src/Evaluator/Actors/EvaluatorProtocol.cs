using Akka.Actor;
using Orchestrator.Core.Protocol;

namespace Orchestrator.Evaluator.Actors;

/// <summary>
/// Evaluate the checkpoint in <paramref name="Directory"/>, written after <paramref name="Step"/> steps;
/// <paramref name="TraceParent"/> is the W3C traceparent of the run span. An evaluator node on another machine
/// finds the checkpoint by its folder name (<see cref="FolderName"/>), in its own copy of the checkpoint folder
/// or on the coordinator's checkpoint service.
/// </summary>
public sealed record EvaluateCheckpoint(string Directory, long Step, string? TraceParent = null) : IClusterMessage
{
    /// <summary>The checkpoint's folder name, step-NNNNNNNN.</summary>
    public string FolderName => Path.GetFileName(Path.TrimEndingDirectorySeparator(Directory));
}

/// <summary>The evaluation's results.</summary>
/// <param name="Step">The checkpoint's step.</param>
/// <param name="GridPath">The sample grid of eval.prompts, on the evaluator's machine.</param>
/// <param name="Metrics">Metric name (fid or frechet-..., clip_score) to value.</param>
/// <param name="FrechetMetric">The name of the Frechet distance among <paramref name="Metrics"/>.</param>
/// <param name="Extractor">The full name of the Frechet distance's feature extractor.</param>
/// <param name="Evaluator">Who evaluated: "local" (the coordinator's own evaluator) or an evaluator node's address.</param>
public sealed record EvaluationCompleted(
    long Step, string GridPath, IReadOnlyDictionary<string, double> Metrics, string FrechetMetric, string Extractor, string Evaluator)
    : IClusterMessage
{
    /// <summary>The Frechet distance (NaN when the metrics hold none).</summary>
    public double FrechetDistance => Metrics.TryGetValue(FrechetMetric, out double value) ? value : double.NaN;
}

/// <summary>The evaluation could not be done; training is not affected.</summary>
public sealed record EvaluationFailed(long Step, string Reason) : IClusterMessage;

/// <summary>An evaluator node offers itself to the run coordinator, which then sends it checkpoints to evaluate.</summary>
public sealed record RegisterEvaluator(IActorRef Evaluator) : IClusterMessage;

/// <summary>The run coordinator took the registration of an evaluator node.</summary>
public sealed record EvaluatorAccepted(string RunName) : IClusterMessage;
