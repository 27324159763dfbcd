using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Orchestrator.Coordinator.Checkpointing;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.Telemetry;
using Orchestrator.Evaluator.Actors;
using Orchestrator.Trainer.Worker;

namespace Orchestrator.Coordinator.Run;

/// <summary>
/// The run coordinator (a cluster singleton on the coordinator role): gathers the workers, restores a
/// checkpoint when resuming, drives the steps as barriers, asks rank 0 for state to checkpoint, and
/// hands saved checkpoints to the evaluator. The bookkeeping lives in <see cref="RunJournal"/> and
/// <see cref="RunSchedule"/>.
/// </summary>
public sealed class RunCoordinatorActor : ReceiveActor
{
    private readonly RunCoordinatorSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SortedDictionary<int, IActorRef> _workers = [];
    private readonly HashSet<int> _answered = [];
    private readonly Dictionary<long, IReadOnlyDictionary<string, double>> _checkpointMetrics = [];
    private long _nextStep;
    private int _pendingSaves;
    private int _pendingEvaluations;
    private long _lastEvaluatedStep;
    private bool _started;
    private bool _training;
    private Activity? _runSpan;
    private Activity? _stepSpan;

    public RunCoordinatorActor(RunCoordinatorSettings settings)
    {
        _settings = settings;
        _nextStep = settings.Schedule.StartStep;
        _lastEvaluatedStep = settings.Schedule.StartStep;
        Receive<WorkerReady>(HandleWorkerReady);
        Receive<StateRestored>(HandleStateRestored);
        Receive<StepCompleted>(HandleStepCompleted);
        Receive<StepFailed>(failed => Fail($"rank {failed.Rank} failed at step {failed.Step}: {failed.Reason}"));
        Receive<StateCaptured>(HandleStateCaptured);
        Receive<CheckpointSaved>(HandleCheckpointSaved);
        Receive<CheckpointFailed>(failed => Fail($"checkpoint at step {failed.Step} could not be written: {failed.Reason}"));
        Receive<EvaluationCompleted>(HandleEvaluationCompleted);
        Receive<EvaluationFailed>(HandleEvaluationFailed);
    }

    public static Props Props(RunCoordinatorSettings settings) => Akka.Actor.Props.Create(() => new RunCoordinatorActor(settings));

    private void HandleWorkerReady(WorkerReady ready)
    {
        if (_started)
        {
            // Elastic membership (a worker joining a running group) is the many-processes issue's.
            _log.Warning("worker rank {0} announced itself after the run started; ignored", ready.Rank);
            return;
        }
        _workers[ready.Rank] = Sender;
        _log.Info("worker rank {0} of {1} is ready", ready.Rank, ready.WorldSize);
        if (_workers.Count < _settings.ExpectedWorkers)
        {
            return;
        }
        _started = true;
        if (_settings.Resume is { } checkpoint)
        {
            _log.Info("restoring {0} (step {1}) on every worker", checkpoint.Path, checkpoint.Manifest.Step);
            foreach (var worker in _workers.Values)
            {
                worker.Tell(new RestoreState(checkpoint));
            }
        }
        else
        {
            StartTraining();
        }
    }

    private void HandleStateRestored(StateRestored restored)
    {
        if (_workers.ContainsKey(restored.Rank) && _answered.Add(restored.Rank) && _answered.Count == _workers.Count)
        {
            StartTraining();
        }
    }

    private void StartTraining()
    {
        _runSpan = StartSpan(
            OrchestratorTelemetry.RunSpan, default,
            [new("start_step", _settings.Schedule.StartStep), new("total_steps", _settings.Schedule.TotalSteps), new("workers", _workers.Count)]);
        _settings.Journal.Started(_settings.Schedule.StartStep, _settings.Schedule.TotalSteps, _workers.Count);
        if (_nextStep >= _settings.Schedule.TotalSteps)
        {
            TryFinish();
            return;
        }
        _training = true;
        IssueStep();
    }

    private void IssueStep()
    {
        _answered.Clear();
        _stepSpan = StartSpan(OrchestratorTelemetry.StepSpan, RunContext, [new("step", _nextStep)]);
        foreach (var worker in _workers.Values)
        {
            worker.Tell(new RunStep(_nextStep, _stepSpan?.Id));
        }
    }

    private void HandleStepCompleted(StepCompleted completed)
    {
        if (!_training || completed.Outcome.Step != _nextStep || !_workers.ContainsKey(completed.Rank) || !_answered.Add(completed.Rank))
        {
            return;
        }
        _settings.Journal.WorkerStepped(completed.Rank, completed.Outcome);
        if (_answered.Count < _workers.Count)
        {
            return;
        }
        _settings.Journal.Stepped(completed.Outcome);
        _stepSpan?.Dispose();
        long completedSteps = ++_nextStep;
        if (_settings.Schedule.CheckpointDue(completedSteps))
        {
            // The lowest rank (0) handles this before the next RunStep (one sender, ordered mailbox), so the state
            // is exactly that after `completedSteps` steps.
            _pendingSaves++;
            _checkpointMetrics[completedSteps] = _settings.Journal.CheckpointMetrics();
            _workers.First().Value.Tell(new CaptureState(completedSteps));
        }
        if (completedSteps < _settings.Schedule.TotalSteps)
        {
            IssueStep();
        }
        else
        {
            _training = false;
            TryFinish();
        }
    }

    private void HandleStateCaptured(StateCaptured captured)
    {
        _checkpointMetrics.Remove(captured.Step, out var metrics);
        var content = _settings.Checkpoints.Content(captured.Step, _workers.Count, captured.Files, metrics ?? new Dictionary<string, double>());
        _settings.Checkpointer.Tell(new SaveCheckpoint(content, RunContext));
    }

    private void HandleCheckpointSaved(CheckpointSaved saved)
    {
        _pendingSaves--;
        _settings.Journal.CheckpointSaved(saved);
        if (_settings.Schedule.EvaluationDue(saved.Step, _lastEvaluatedStep))
        {
            _lastEvaluatedStep = saved.Step;
            _pendingEvaluations++;
            _settings.Evaluator.Tell(new EvaluateCheckpoint(saved.Directory, saved.Step, _runSpan?.Id));
        }
        TryFinish();
    }

    private void HandleEvaluationCompleted(EvaluationCompleted completed)
    {
        _pendingEvaluations--;
        _settings.Journal.Evaluated(completed);
        TryFinish();
    }

    private void HandleEvaluationFailed(EvaluationFailed failed)
    {
        _pendingEvaluations--;
        _log.Warning("evaluation of step {0} failed: {1}", failed.Step, failed.Reason);
        _settings.Journal.EvaluationFailed(failed);
        TryFinish();
    }

    private void TryFinish()
    {
        if (!_training && _pendingSaves == 0 && _pendingEvaluations == 0 && _nextStep >= _settings.Schedule.TotalSteps)
        {
            _runSpan?.Dispose();
            _settings.Completion.TrySetResult(_settings.Journal.Finish());
        }
    }

    private ActivityContext RunContext => _runSpan?.Context ?? default;

    // Spans outlive the message that started them, so they must not stay Activity.Current on the
    // dispatcher thread: the next message there may belong to something else. Parents are explicit.
    private static Activity? StartSpan(string name, ActivityContext parent, KeyValuePair<string, object?>[] tags)
    {
        var previous = Activity.Current;
        var span = OrchestratorTelemetry.ActivitySource.StartActivity(name, ActivityKind.Internal, parent, tags);
        Activity.Current = previous;
        return span;
    }

    // A bug in the coordinator must end the run with its reason, not restart it with empty state and hang.
    protected override void PreRestart(Exception reason, object message)
    {
        Fail($"the run coordinator failed handling {message?.GetType().Name}: {reason.GetType().Name}: {reason.Message}");
        base.PreRestart(reason, message);
    }

    protected override void PostStop()
    {
        _stepSpan?.Dispose();
        _runSpan?.Dispose();
    }

    private void Fail(string reason)
    {
        _log.Error(reason);
        _runSpan?.SetStatus(ActivityStatusCode.Error, reason);
        _settings.Completion.TrySetException(new InvalidOperationException(reason));
    }
}

/// <summary>What the run coordinator is built with.</summary>
public sealed record RunCoordinatorSettings(
    int ExpectedWorkers,
    RunSchedule Schedule,
    LoadedCheckpoint? Resume,
    CheckpointContentFactory Checkpoints,
    RunJournal Journal,
    IActorRef Checkpointer,
    IActorRef Evaluator,
    TaskCompletionSource<RunSummary> Completion);
