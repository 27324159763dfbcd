using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Orchestrator.Core.Telemetry;
using Orchestrator.Evaluator.Evaluation;

namespace Orchestrator.Evaluator.Actors;

/// <summary>
/// Evaluates checkpoints as they are saved. Thin: <see cref="CheckpointEvaluation"/> does the work.
/// Runs on a pinned dispatcher (libtorch thread-local state stays on one thread).
/// </summary>
public sealed class EvaluatorActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public EvaluatorActor(CheckpointEvaluation evaluation)
    {
        Receive<EvaluateCheckpoint>(command => HandleEvaluate(evaluation, command));
    }

    public static Props Props(CheckpointEvaluation evaluation) => Akka.Actor.Props.Create(() => new EvaluatorActor(evaluation));

    private void HandleEvaluate(CheckpointEvaluation evaluation, EvaluateCheckpoint command)
    {
        ActivityContext.TryParse(command.TraceParent, null, out var parent);
        using var activity = OrchestratorTelemetry.ActivitySource.StartActivity(
            OrchestratorTelemetry.EvaluationSpan, ActivityKind.Internal, parent, [new("step", command.Step)]);
        try
        {
            var result = evaluation.Evaluate(command.Directory);
            OrchestratorTelemetry.RecordFrechetDistance(result.FrechetDistance, result.Extractor);
            Sender.Tell(new EvaluationCompleted(command.Step, result.GridPath, result.FrechetDistance, result.Extractor), Self);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArithmeticException or InvalidOperationException)
        {
            _log.Error(e, "evaluation of {0} failed", command.Directory);
            Sender.Tell(new EvaluationFailed(command.Step, $"{e.GetType().Name}: {e.Message}"), Self);
        }
    }
}
