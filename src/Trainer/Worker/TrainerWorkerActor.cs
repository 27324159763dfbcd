using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Orchestrator.Core.Telemetry;
using Orchestrator.Trainer.Replica;

namespace Orchestrator.Trainer.Worker;

/// <summary>
/// A trainer worker: one model replica on one device. Thin: each command calls <see cref="ReplicaTrainer"/>.
/// Runs on a pinned dispatcher, so libtorch's thread-local state (dispose scopes) stays on one thread.
/// </summary>
public sealed class TrainerWorkerActor : ReceiveActor
{
    private readonly ReplicaTrainer _trainer;
    private readonly IActorRef _coordinator;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public TrainerWorkerActor(ReplicaTrainer trainer, IActorRef coordinator)
    {
        _trainer = trainer;
        _coordinator = coordinator;
        ReceiveAsync<RunStep>(HandleRunStepAsync);
        Receive<CaptureState>(HandleCaptureState);
        Receive<RestoreState>(HandleRestoreState);
    }

    public static Props Props(ReplicaTrainer trainer, IActorRef coordinator) =>
        Akka.Actor.Props.Create(() => new TrainerWorkerActor(trainer, coordinator));

    protected override void PreStart() =>
        _coordinator.Tell(new WorkerReady(_trainer.Rank, _trainer.WorldSize), Self);

    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task HandleRunStepAsync(RunStep command)
    {
        ActivityContext.TryParse(command.TraceParent, null, out var parent);
        using var activity = OrchestratorTelemetry.ActivitySource.StartActivity(
            OrchestratorTelemetry.StepSpan, ActivityKind.Internal, parent, [new("rank", _trainer.Rank), new("step", command.Step)]);
        try
        {
            var outcome = await _trainer.TrainStepAsync(command.Step, _stopping.Token);
            OrchestratorTelemetry.RecordStepDuration(outcome.TotalSeconds, _trainer.Rank);
            OrchestratorTelemetry.RecordAllReduceDuration(outcome.ReduceSeconds);
            _coordinator.Tell(new StepCompleted(_trainer.Rank, outcome), Self);
        }
        catch (Exception e) when (e is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            _log.Error(e, "rank {0}: step {1} failed", _trainer.Rank, command.Step);
            _coordinator.Tell(new StepFailed(_trainer.Rank, command.Step, $"{e.GetType().Name}: {e.Message}"), Self);
        }
    }

    private void HandleCaptureState(CaptureState command) =>
        Sender.Tell(new StateCaptured(_trainer.Rank, command.Step, _trainer.Replica.Capture()), Self);

    private void HandleRestoreState(RestoreState command)
    {
        _trainer.Replica.Restore(command.Checkpoint);
        Sender.Tell(new StateRestored(_trainer.Rank, command.Checkpoint.Manifest.Step), Self);
    }
}
