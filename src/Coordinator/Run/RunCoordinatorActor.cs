using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Orchestrator.Coordinator.Checkpointing;
using Orchestrator.Coordinator.Evaluation;
using Orchestrator.Coordinator.Nodes;
using Orchestrator.Core.Telemetry;
using Orchestrator.Evaluator.Actors;
using Orchestrator.Trainer.Worker;

namespace Orchestrator.Coordinator.Run;

/// <summary>
/// The run coordinator (a cluster singleton on the coordinator role). It gathers trainer nodes, forms
/// group generations from them (<see cref="GroupRoster"/>), drives the steps as barriers, commits a step
/// when every rank reduced it, re-forms the group when a node joins (at a step boundary) or is lost (at
/// once, abandoning the step in flight), asks the node of rank 0 for checkpoints and hands them to the
/// evaluator nodes (round robin, <see cref="EvaluatorPool"/>) or, when none is registered, to its own evaluator. The bookkeeping lives in <see cref="RunJournal"/> and <see cref="RunSchedule"/>; the failure
/// semantics are in docs/cluster.md.
/// </summary>
public sealed class RunCoordinatorActor : ReceiveActor, IWithTimers
{
    // A step that fails on the data plane this many times in a row, without a membership change that
    // explains it, stops the run.
    private const int MaxCollectiveRetries = 5;

    private readonly RunCoordinatorSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly GroupRoster _roster;
    private readonly Dictionary<Address, RegisterTrainerNode> _unreachable = [];
    private readonly Dictionary<int, StepCompleted> _reports = [];
    private readonly HashSet<IActorRef> _joinedNodes = [];
    private readonly Dictionary<int, string> _fingerprints = [];
    private readonly Dictionary<long, IActorRef> _savesInFlight = [];
    private HashSet<IActorRef> _holders = [];
    private GroupPlan? _group;
    private FormGroup? _ncclForm;
    private Phase _phase = Phase.Waiting;
    private long _generation;
    private long _nextStep;
    private string? _restorePath;
    private string? _latestCheckpoint;
    private long _latestCheckpointStep;
    private bool _regroupAtBoundary;
    private int _collectiveFailures;
    private readonly EvaluatorPool _evaluators = new();
    private long _lastEvaluatedStep;
    private Activity? _runSpan;
    private Activity? _stepSpan;

    public RunCoordinatorActor(RunCoordinatorSettings settings)
    {
        _settings = settings;
        _roster = new GroupRoster(settings.MinWorkers, settings.MaxWorkers);
        _nextStep = settings.Schedule.StartStep;
        _lastEvaluatedStep = settings.Schedule.StartStep;
        _restorePath = settings.ResumePath;
        Receive<RegisterTrainerNode>(HandleRegister);
        Receive<Terminated>(t =>
        {
            EvaluatorsLost(e => e.Equals(t.ActorRef), t.ActorRef.Path.ToString(), "its actors stopped", mayReturn: false);
            NodesLost(n => n.Node.Equals(t.ActorRef), t.ActorRef.Path.ToString(), "its actors stopped");
        });
        Receive<ClusterEvent.UnreachableMember>(u =>
        {
            EvaluatorsLost(e => e.Path.Address.Equals(u.Member.Address), u.Member.Address.ToString(), "unreachable", mayReturn: true);
            NodesLost(n => n.Node.Path.Address.Equals(u.Member.Address), u.Member.Address.ToString(), "unreachable");
        });
        Receive<ClusterEvent.MemberRemoved>(r =>
        {
            EvaluatorsLost(e => e.Path.Address.Equals(r.Member.Address), r.Member.Address.ToString(), "removed from the cluster", mayReturn: false);
            NodesLost(n => n.Node.Path.Address.Equals(r.Member.Address), r.Member.Address.ToString(), "removed from the cluster");
        });
        Receive<ClusterEvent.ReachableMember>(HandleReachable);
        Receive<RegisterEvaluator>(HandleRegisterEvaluator);
        Receive<NcclIdIssued>(HandleNcclIdIssued);
        Receive<NodeJoinedGroup>(HandleNodeJoined);
        Receive<NodeGroupFailed>(HandleNodeGroupFailed);
        Receive<Regroup>(r => HandleRegroup(r));
        Receive<StepCompleted>(HandleStepCompleted);
        Receive<StepFailed>(HandleStepFailed);
        Receive<ReplicaFinished>(HandleReplicaFinished);
        Receive<CheckpointSaved>(HandleCheckpointSaved);
        Receive<CheckpointFailed>(failed => Fail($"checkpoint at step {failed.Step} could not be written: {failed.Reason}"));
        Receive<EvaluationCompleted>(HandleEvaluationCompleted);
        Receive<EvaluationFailed>(HandleEvaluationFailed);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(RunCoordinatorSettings settings) => Akka.Actor.Props.Create(() => new RunCoordinatorActor(settings));

    private enum Phase
    {
        Waiting,
        Forming,
        Training,
        Finishing,
        /// <summary>Completed or failed: membership changes no longer matter, and nothing is written again.</summary>
        Ended,
    }

    protected override void PreStart()
    {
        if (((ExtendedActorSystem)Context.System).Provider is Akka.Cluster.ClusterActorRefProvider)
        {
            Cluster.Get(Context.System).Subscribe(
                Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.ReachableMember), typeof(ClusterEvent.MemberRemoved));
        }
        if (_restorePath is not null)
        {
            _log.Info("the run starts from checkpoint {0} (step {1})", _restorePath, _settings.Schedule.StartStep);
        }
    }

    private void HandleRegister(RegisterTrainerNode node)
    {
        Sender.Tell(new TrainerNodeAccepted(_settings.RunName), Self);
        if (_phase == Phase.Ended)
        {
            if (_settings.Completion.Task.IsCompletedSuccessfully)
            {
                Sender.Tell(new RunEnded(_settings.RunName), Self);
            }
            return;
        }
        Context.Watch(node.Node);
        _unreachable.Remove(node.Node.Path.Address);
        if (!_roster.Register(node))
        {
            return;
        }
        _log.Info("trainer node {0} offers {1} worker(s); {2} offered in all", node.Node.Path.Address, node.Workers.Count, _roster.OfferedWorkers);
        _settings.Journal.Membership("node_joined", node.Node.Path.Address.ToString(), _roster.OfferedWorkers);
        switch (_phase)
        {
            case Phase.Waiting:
                FormGroup();
                break;
            case Phase.Training:
            case Phase.Forming:
                // Joins take effect at a step boundary, so no step is split between two groups.
                _regroupAtBoundary = true;
                break;
        }
    }

    private void HandleReachable(ClusterEvent.ReachableMember reachable)
    {
        foreach (var evaluator in _evaluators.Resume(e => e.Path.Address.Equals(reachable.Member.Address)))
        {
            _log.Info("evaluator node {0} is reachable again", evaluator.Path.Address);
        }
        if (_unreachable.Remove(reachable.Member.Address, out var node))
        {
            _log.Info("trainer node {0} is reachable again; it rejoins at the next step boundary", reachable.Member.Address);
            HandleRegister(node);
        }
    }

    private void NodesLost(Predicate<RegisterTrainerNode> match, string where, string why)
    {
        var lost = _roster.Nodes.Where(n => match(n)).ToList();
        if (lost.Count == 0)
        {
            return;
        }
        foreach (var node in lost)
        {
            _roster.Remove(node.Node);
            if (why == "unreachable")
            {
                _unreachable[node.Node.Path.Address] = node;
            }
            foreach (var (step, writer) in _savesInFlight.Where(s => s.Value.Equals(node.Node)).ToList())
            {
                _savesInFlight.Remove(step);
                _log.Warning("the checkpoint of step {0} was being written by the lost node; the next one will be", step);
            }
        }
        if (_phase == Phase.Ended)
        {
            // Trainers leave as soon as they hear RunEnded; the finished run's records stay as they are.
            return;
        }
        _log.Warning("trainer node {0} lost ({1}); {2} worker(s) offered", where, why, _roster.OfferedWorkers);
        _settings.Journal.Membership("node_lost", where, _roster.OfferedWorkers);
        bool inGroup = _group is { } group && group.Nodes.Any(n => lost.Exists(l => l.Node.Equals(n.Node)));
        if (!inGroup)
        {
            return;
        }
        if (_phase is Phase.Training or Phase.Forming)
        {
            _stepSpan?.SetStatus(ActivityStatusCode.Error, $"node {where} lost");
            FormGroup();
        }
        else if (_phase == Phase.Finishing)
        {
            TryFinish();
        }
    }

    private void FormGroup()
    {
        Timers.Cancel("regroup");
        _stepSpan?.Dispose();
        _stepSpan = null;
        _generation++;
        _ncclForm = null;
        _regroupAtBoundary = false;
        _reports.Clear();
        _joinedNodes.Clear();
        var plan = _roster.Plan(_generation, _holders);
        if (plan is null)
        {
            _phase = Phase.Waiting;
            _group = null;
            _log.Warning("waiting for trainer workers: {0} offered, at least {1} needed (cluster.min_workers)", _roster.OfferedWorkers, _settings.MinWorkers);
            return;
        }

        string? checkpoint = _restorePath;
        int source = plan.SourceRank ?? 0;
        if (checkpoint is null && plan.SourceRank is null && _nextStep > 0)
        {
            // No member holds the committed state (every node of the last group is gone).
            if (_latestCheckpoint is null)
            {
                Fail($"every trainer node holding the state after {_nextStep} steps is gone, and no checkpoint was written yet");
                return;
            }
            _log.Warning("no member holds the state after {0} steps; the group restarts from checkpoint {1} (step {2})",
                _nextStep, _latestCheckpoint, _latestCheckpointStep);
            checkpoint = _latestCheckpoint;
            _nextStep = _latestCheckpointStep;
        }

        _group = plan;
        _phase = Phase.Forming;
        var form = new FormGroup(_generation, plan.Nodes, _nextStep, source, checkpoint);
        _log.Info("forming generation {0}: {1} worker(s) on {2} node(s) at step {3}", _generation, plan.WorldSize, plan.Nodes.Count, _nextStep);
        var withoutNccl = plan.Nodes.Where(n => !_roster.Nodes.Any(r => r.Node.Equals(n.Node) && r.Nccl)).ToList();
        if (withoutNccl.Count == 0)
        {
            // NCCL on every node: the node of rank 0 makes the communicator's unique id, then FormGroup carries it.
            _ncclForm = form;
            plan.NodeOfRank(0).Tell(new IssueNcclId(_generation), Self);
        }
        else
        {
            if (withoutNccl.Count < plan.Nodes.Count)
            {
                _log.Warning("generation {0} reduces on the TCP ring: node(s) {1} have no NCCL", _generation,
                    string.Join(", ", withoutNccl.Select(n => n.Node.Path.Address)));
            }
            SendForm(form);
        }
        Timers.StartSingleTimer("regroup", new Regroup(_generation, "the group did not form in time"), _settings.FormationTimeout);
    }

    private void SendForm(FormGroup form)
    {
        foreach (var node in form.Nodes)
        {
            node.Node.Tell(form, Self);
        }
    }

    private void HandleNcclIdIssued(NcclIdIssued issued)
    {
        if (_phase != Phase.Forming || issued.Generation != _generation || _ncclForm is not { } form)
        {
            return;
        }
        _ncclForm = null;
        SendForm(form with { NcclId = issued.UniqueId });
    }

    private void HandleNodeJoined(NodeJoinedGroup joined)
    {
        if (_phase != Phase.Forming || joined.Generation != _generation || _group is not { } group)
        {
            return;
        }
        _joinedNodes.Add(joined.Node);
        if (_joinedNodes.Count < group.Nodes.Count)
        {
            return;
        }
        Timers.Cancel("regroup");
        _restorePath = null;
        _holders = [.. group.Nodes.Select(n => n.Node)];
        _phase = Phase.Training;
        _settings.Journal.GroupFormed(_generation, group.WorldSize, _nextStep);
        _log.Info("generation {0} formed: world size {1}, step {2}", _generation, group.WorldSize, _nextStep);
        if (_runSpan is null)
        {
            _runSpan = StartSpan(
                OrchestratorTelemetry.RunSpan, default,
                [new("start_step", _nextStep), new("total_steps", _settings.Schedule.TotalSteps), new("workers", group.WorldSize)]);
            _settings.Journal.Started(_nextStep, _settings.Schedule.TotalSteps, group.WorldSize);
        }
        ContinueAtBoundary();
    }

    private void HandleNodeGroupFailed(NodeGroupFailed failed)
    {
        if (_phase != Phase.Forming || failed.Generation != _generation)
        {
            return;
        }
        _log.Warning("generation {0} did not form: {1}", failed.Generation, failed.Reason);
        Timers.StartSingleTimer("regroup", new Regroup(_generation, failed.Reason), TimeSpan.FromSeconds(1));
    }

    private void HandleRegroup(Regroup regroup)
    {
        if (regroup.Generation != _generation || _phase is Phase.Waiting or Phase.Finishing or Phase.Ended)
        {
            return;
        }
        _log.Warning("re-forming the group (generation {0}): {1}", regroup.Generation, regroup.Reason);
        FormGroup();
    }

    private void ContinueAtBoundary()
    {
        if (_nextStep >= _settings.Schedule.TotalSteps)
        {
            FinishReplicas();
        }
        else if (_regroupAtBoundary)
        {
            FormGroup();
        }
        else
        {
            IssueStep();
        }
    }

    private void IssueStep()
    {
        _reports.Clear();
        _stepSpan = StartSpan(OrchestratorTelemetry.StepSpan, RunContext, [new("step", _nextStep), new("generation", _generation)]);
        var command = new RunStep(_generation, _nextStep, _stepSpan?.Id);
        foreach (var worker in _group!.Workers)
        {
            worker.Tell(command, Self);
        }
    }

    private void HandleStepCompleted(StepCompleted completed)
    {
        if (_phase != Phase.Training || completed.Generation != _generation || completed.Outcome.Step != _nextStep
            || !_reports.TryAdd(completed.Rank, completed) || _reports.Count < _group!.WorldSize)
        {
            return;
        }

        // Every rank reduced the step: it is committed (the next command to the workers applies it).
        var reports = _reports.Values.OrderBy(r => r.Rank).ToList();
        _settings.Journal.Committed(reports);
        _stepSpan?.Dispose();
        _stepSpan = null;
        _collectiveFailures = 0;
        long completedSteps = ++_nextStep;
        if (_settings.Schedule.CheckpointDue(completedSteps))
        {
            var node = _group.NodeOfRank(0);
            _savesInFlight[completedSteps] = node;
            node.Tell(new SaveCheckpointAt(_generation, completedSteps, _settings.Journal.CheckpointMetrics(), _runSpan?.Id), Self);
        }
        ContinueAtBoundary();
    }

    private void HandleStepFailed(StepFailed failed)
    {
        if (_phase != Phase.Training || failed.Generation != _generation || failed.Step != _nextStep)
        {
            return;
        }
        if (!failed.CollectiveFailure)
        {
            Fail($"rank {failed.Rank} failed at step {failed.Step}: {failed.Reason}");
            return;
        }
        if (Timers.IsTimerActive("regroup"))
        {
            return;
        }
        if (++_collectiveFailures > MaxCollectiveRetries)
        {
            Fail($"step {failed.Step} failed on the data plane {MaxCollectiveRetries} times without a membership change; last: rank {failed.Rank}: {failed.Reason}");
            return;
        }
        // Usually a peer died: the failure detector will say which, and the group re-forms without it.
        // If no member is lost within the grace, the same members re-form and retry the step.
        _log.Warning("rank {0}: step {1} abandoned on the data plane ({2}); waiting for the failure detector", failed.Rank, failed.Step, failed.Reason);
        Timers.StartSingleTimer("regroup", new Regroup(_generation, $"step {failed.Step} failed on the data plane"), _settings.FailureGrace);
    }

    private void FinishReplicas()
    {
        _phase = Phase.Finishing;
        _fingerprints.Clear();
        var command = new FinishRun(_generation, _nextStep);
        foreach (var worker in _group!.Workers)
        {
            worker.Tell(command, Self);
        }
        TryFinish();
    }

    private void HandleReplicaFinished(ReplicaFinished finished)
    {
        if (_phase != Phase.Finishing)
        {
            return;
        }
        _fingerprints[finished.Rank] = finished.Fingerprint;
        TryFinish();
    }

    private void HandleCheckpointSaved(CheckpointSaved saved)
    {
        _savesInFlight.Remove(saved.Step);
        if (saved.Step >= _latestCheckpointStep)
        {
            _latestCheckpoint = saved.Directory;
            _latestCheckpointStep = saved.Step;
        }
        _settings.Journal.CheckpointSaved(saved);
        if (_settings.Schedule.EvaluationDue(saved.Step, _lastEvaluatedStep))
        {
            _lastEvaluatedStep = saved.Step;
            Dispatch(new EvaluateCheckpoint(saved.Directory, saved.Step, _runSpan?.Id));
        }
        TryFinish();
    }

    // --- Evaluator nodes: registration, dispatch, loss (docs/evaluation.md, "Evaluator nodes") ---

    private void HandleRegisterEvaluator(RegisterEvaluator register)
    {
        Sender.Tell(new EvaluatorAccepted(_settings.RunName), Self);
        if (!_evaluators.Register(register.Evaluator))
        {
            return;
        }
        Context.Watch(register.Evaluator);
        _log.Info("evaluator node {0} registered; {1} evaluator node(s)", register.Evaluator.Path.Address, _evaluators.Nodes.Count);
        _settings.Journal.EvaluatorMembership("evaluator_joined", register.Evaluator.Path.Address.ToString(), _evaluators.Nodes.Count);
    }

    private void EvaluatorsLost(Func<IActorRef, bool> match, string where, string why, bool mayReturn)
    {
        if (_phase == Phase.Ended || !_evaluators.Registered.Any(match))
        {
            return;
        }
        var orphaned = _evaluators.Lose(match, mayReturn);
        _log.Warning("evaluator node {0} lost ({1}); {2} evaluation(s) it was doing go to another evaluator", where, why, orphaned.Count);
        _settings.Journal.EvaluatorMembership("evaluator_lost", where, _evaluators.Nodes.Count);
        foreach (var command in orphaned)
        {
            Dispatch(command);
        }
    }

    private void Dispatch(EvaluateCheckpoint command)
    {
        var target = _evaluators.Assign(command) ?? _settings.Evaluator;
        target.Tell(command, Self);
    }

    private void HandleEvaluationCompleted(EvaluationCompleted completed)
    {
        // A late answer from an evaluator given up on: the evaluation went elsewhere and counts once.
        if (!_evaluators.Complete(completed.Step))
        {
            return;
        }
        _settings.Journal.Evaluated(completed);
        _settings.Best?.Offer(completed);
        TryFinish();
    }

    private void HandleEvaluationFailed(EvaluationFailed failed)
    {
        if (!_evaluators.Complete(failed.Step))
        {
            return;
        }
        _log.Warning("evaluation of step {0} failed: {1}", failed.Step, failed.Reason);
        _settings.Journal.EvaluationFailed(failed);
        TryFinish();
    }

    private void TryFinish()
    {
        if (_phase != Phase.Finishing || _savesInFlight.Count > 0 || _evaluators.InFlight > 0)
        {
            return;
        }
        var remaining = Enumerable.Range(0, _group!.WorldSize)
            .Where(rank => _roster.Contains(_group.NodeOfRank(rank)))
            .ToList();
        if (!remaining.All(_fingerprints.ContainsKey))
        {
            return;
        }
        var distinct = remaining.Select(r => _fingerprints[r]).Distinct().ToList();
        _settings.Journal.Fingerprints(_fingerprints);
        if (distinct.Count > 1)
        {
            Fail("the replicas ended with different weights: " +
                 string.Join(", ", remaining.Select(r => $"rank {r} {_fingerprints[r][..12]}")));
            return;
        }
        _runSpan?.Dispose();
        foreach (var node in _roster.Nodes.Select(n => n.Node).Concat(_evaluators.Registered))
        {
            node.Tell(new RunEnded(_settings.RunName), Self);
        }
        _phase = Phase.Ended;
        _settings.Completion.TrySetResult(_settings.Journal.Finish());
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
        _phase = Phase.Ended;
        _log.Error(reason);
        _runSpan?.SetStatus(ActivityStatusCode.Error, reason);
        _settings.Completion.TrySetException(new InvalidOperationException(reason));
        _settings.Journal.Failed(reason);
    }

    // A timer message to itself: it never leaves this actor, so it is not checked for serialization.
    private sealed record Regroup(long Generation, string Reason) : INoSerializationVerificationNeeded;
}

/// <summary>What the run coordinator is built with.</summary>
public sealed record RunCoordinatorSettings(
    string RunName,
    int MinWorkers,
    int MaxWorkers,
    RunSchedule Schedule,
    string? ResumePath,
    RunJournal Journal,
    IActorRef Evaluator,
    TaskCompletionSource<RunSummary> Completion,
    TimeSpan FormationTimeout,
    TimeSpan FailureGrace)
{
    /// <summary>Pins the best checkpoint by checkpoint.keep_best_by; null when the spec asks for none.</summary>
    public BestCheckpoint? Best { get; init; }
}
