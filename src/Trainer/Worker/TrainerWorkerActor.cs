using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Orchestrator.Core.Telemetry;
using Orchestrator.Trainer.Reduction;

namespace Orchestrator.Trainer.Worker;

/// <summary>
/// A trainer worker: one model replica on one device. Thin: each command calls <see cref="WorkerSession"/>.
/// Runs on a pinned dispatcher, so libtorch's thread-local state (dispose scopes) stays on one thread.
/// </summary>
public sealed class TrainerWorkerActor : ReceiveActor
{
    private readonly WorkerSession _session;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public TrainerWorkerActor(WorkerSession session)
    {
        _session = session;
        ReceiveAsync<JoinGroup>(HandleJoinGroupAsync);
        ReceiveAsync<RunStep>(HandleRunStepAsync);
        Receive<CaptureState>(HandleCaptureState);
        Receive<FinishRun>(HandleFinishRun);
    }

    public static Props Props(WorkerSession session) => Akka.Actor.Props.Create(() => new TrainerWorkerActor(session));

    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task HandleJoinGroupAsync(JoinGroup command)
    {
        var replyTo = Sender;
        try
        {
            long applied = await _session.JoinAsync(
                command.Generation, command.Member, command.CommittedSteps, command.SourceRank, command.Checkpoint, _stopping.Token);
            replyTo.Tell(new GroupJoined(command.Generation, command.Member.Rank, applied), Self);
        }
        catch (Exception e) when (e is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            _log.Warning("rank {0}: joining generation {1} failed: {2}", command.Member.Rank, command.Generation, e.Message);
            replyTo.Tell(new GroupJoinFailed(command.Generation, $"rank {command.Member.Rank}: {e.GetType().Name}: {e.Message}"), Self);
        }
    }

    private async Task HandleRunStepAsync(RunStep command)
    {
        var replyTo = Sender;
        if (command.Generation != _session.Generation)
        {
            // A step of a group this worker has left (or not joined yet): the coordinator has moved on.
            return;
        }
        int rank = _session.Rank;
        ActivityContext.TryParse(command.TraceParent, null, out var parent);
        using var activity = OrchestratorTelemetry.ActivitySource.StartActivity(
            OrchestratorTelemetry.StepSpan, ActivityKind.Internal, parent, [new("rank", rank), new("step", command.Step)]);
        try
        {
            var update = await _session.StepAsync(command.Step, _stopping.Token);
            OrchestratorTelemetry.RecordStepDuration(update.Outcome.TotalSeconds, rank);
            OrchestratorTelemetry.RecordComputeDuration(update.Outcome.ComputeSeconds, rank);
            replyTo.Tell(new StepCompleted(command.Generation, rank, update.Outcome, update.Keys), Self);
        }
        catch (Exception e) when (e is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            bool collective = CollectiveFailure.Is(e);
            if (collective)
            {
                _log.Warning("rank {0}: step {1} abandoned, the data plane failed: {2}", rank, command.Step, e.Message);
            }
            else
            {
                _log.Error(e, "rank {0}: step {1} failed", rank, command.Step);
            }
            replyTo.Tell(new StepFailed(command.Generation, rank, command.Step, $"{e.GetType().Name}: {e.Message}", collective), Self);
        }
    }

    private void HandleCaptureState(CaptureState command)
    {
        try
        {
            Sender.Tell(new StateCaptured(_session.Rank, command.Step, _session.Capture(command.Step)), Self);
        }
        catch (InvalidOperationException e)
        {
            Sender.Tell(new CaptureFailed(command.Step, e.Message), Self);
        }
    }

    private void HandleFinishRun(FinishRun command)
    {
        if (command.Generation == _session.Generation)
        {
            Sender.Tell(new ReplicaFinished(_session.Rank, command.Steps, _session.Finish(command.Steps)), Self);
        }
    }
}
