using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.Telemetry;
using Orchestrator.Evaluator.Clip;
using Orchestrator.Evaluator.Evaluation;

namespace Orchestrator.Evaluator.Actors;

/// <summary>
/// Evaluates checkpoints, one at a time, and answers the sender with the metrics; records them in telemetry.
/// Thin: <see cref="CheckpointEvaluation"/> does the work. Runs on a pinned dispatcher (libtorch thread-local
/// state stays on one thread).
/// </summary>
public sealed class EvaluatorActor : ReceiveActor
{
    /// <summary>The name an evaluator in the coordinator's own process reports under.</summary>
    public const string LocalName = "local";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CheckpointEvaluation _evaluation;
    private readonly string _name;

    public EvaluatorActor(CheckpointEvaluation evaluation, string name)
    {
        _evaluation = evaluation;
        _name = name;
        Receive<EvaluateCheckpoint>(HandleEvaluate);
    }

    /// <param name="evaluation">What evaluates.</param>
    /// <param name="name">Who evaluates, as the results say: <see cref="LocalName"/> or the node's address.</param>
    public static Props Props(CheckpointEvaluation evaluation, string name = LocalName) =>
        Akka.Actor.Props.Create(() => new EvaluatorActor(evaluation, name));

    // Which metrics are on, and why the others are off, once per process.
    protected override void PreStart()
    {
        foreach (var status in _evaluation.Statuses)
        {
            if (status.Enabled)
            {
                _log.Info(status.Reason);
            }
            else
            {
                _log.Warning(status.Reason);
            }
        }
    }

    private void HandleEvaluate(EvaluateCheckpoint command)
    {
        ActivityContext.TryParse(command.TraceParent, null, out var parent);
        using var activity = OrchestratorTelemetry.ActivitySource.StartActivity(
            OrchestratorTelemetry.EvaluationSpan, ActivityKind.Internal, parent, [new("step", command.Step), new("evaluator", _name)]);
        try
        {
            var result = _evaluation.Evaluate(command.Directory);
            foreach (string note in result.Notes)
            {
                _log.Warning("evaluation of step {0}: {1}", command.Step, note);
            }
            Record(result);
            Sender.Tell(new EvaluationCompleted(command.Step, result.GridPath, result.Metrics, result.FrechetMetric, result.Extractor, _name), Self);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArithmeticException or InvalidOperationException
                                       or CheckpointCorruptException or UnauthorizedAccessException)
        {
            _log.Error(e, "evaluation of {0} failed", command.Directory);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            Sender.Tell(new EvaluationFailed(command.Step, $"{e.GetType().Name}: {e.Message}"), Self);
        }
    }

    private static void Record(EvaluationResult result)
    {
        OrchestratorTelemetry.RecordFrechetDistance(result.FrechetDistance, result.Extractor);
        if (result.FrechetMetric == "fid")
        {
            OrchestratorTelemetry.RecordFid(result.FrechetDistance);
        }
        if (result.Metrics.TryGetValue(ClipScorer.MetricName, out double clip))
        {
            OrchestratorTelemetry.RecordClipScore(clip);
        }
    }
}
