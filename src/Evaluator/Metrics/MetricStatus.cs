namespace Orchestrator.Evaluator.Metrics;

/// <summary>Whether a metric will be computed, and if not, why, in words the evaluator prints as they are.</summary>
/// <param name="Metric">The metric's report name, e.g. "fid" or "clip_score".</param>
/// <param name="Enabled">True when the metric will be computed.</param>
/// <param name="Reason">What it is computed with, or why it is off and how to turn it on.</param>
public sealed record MetricStatus(string Metric, bool Enabled, string Reason)
{
    /// <summary>One line for the log, e.g. "FID off: no weights (eval.inception_weights) ...".</summary>
    public override string ToString() => Reason;
}
