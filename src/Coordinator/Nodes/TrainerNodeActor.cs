using Akka.Actor;
using Akka.Event;
using Orchestrator.Coordinator.Checkpointing;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Trainer.Worker;

namespace Orchestrator.Coordinator.Nodes;

/// <summary>
/// One per trainer process: offers its workers to the run coordinator (again to each new coordinator),
/// wires them into each group generation over <see cref="NodeDataPlane"/>, and writes the checkpoints
/// that the coordinator asks of the node holding rank 0. Thin: the data plane and the sessions do the work.
/// </summary>
public sealed class TrainerNodeActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan RegisterInterval = TimeSpan.FromSeconds(2);

    private readonly IActorRef _coordinatorProxy;
    private readonly IReadOnlyList<IActorRef> _workers;
    private readonly NodeDataPlane _dataPlane;
    private readonly IActorRef _checkpointer;
    private readonly CheckpointContentFactory _checkpoints;
    private readonly TaskCompletionSource<string> _runEnded;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef? _coordinator;
    private DataPlaneGeneration? _generation;
    private FormGroup? _forming;
    private CancellationTokenSource? _connecting;
    private int _joined;

    public TrainerNodeActor(
        IActorRef coordinatorProxy, IReadOnlyList<IActorRef> workers, NodeDataPlane dataPlane, IActorRef checkpointer,
        CheckpointContentFactory checkpoints, TaskCompletionSource<string> runEnded)
    {
        _coordinatorProxy = coordinatorProxy;
        _workers = workers;
        _dataPlane = dataPlane;
        _checkpointer = checkpointer;
        _checkpoints = checkpoints;
        _runEnded = runEnded;
        Receive<RegisterTick>(_ => Register());
        Receive<TrainerNodeAccepted>(HandleAccepted);
        Receive<Terminated>(HandleTerminated);
        Receive<FormGroup>(HandleFormGroup);
        Receive<IssueNcclId>(HandleIssueNcclId);
        Receive<MembersReady>(HandleMembersReady);
        Receive<FormationFailed>(failed => ReportFailure(failed.Generation, failed.Reason));
        Receive<GroupJoined>(HandleGroupJoined);
        Receive<GroupJoinFailed>(failed => ReportFailure(failed.Generation, failed.Reason));
        Receive<SaveCheckpointAt>(HandleSaveCheckpoint);
        Receive<CheckpointRequest>(HandleStateCaptured);
        Receive<RunEnded>(HandleRunEnded);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(
        IActorRef coordinatorProxy, IReadOnlyList<IActorRef> workers, NodeDataPlane dataPlane, IActorRef checkpointer,
        CheckpointContentFactory checkpoints, TaskCompletionSource<string> runEnded) =>
        Akka.Actor.Props.Create(() => new TrainerNodeActor(coordinatorProxy, workers, dataPlane, checkpointer, checkpoints, runEnded));

    protected override void PreStart()
    {
        Register();
        Timers.StartPeriodicTimer("register", RegisterTick.Instance, RegisterInterval);
    }

    protected override void PostStop()
    {
        _connecting?.Cancel();
        _connecting?.Dispose();
        _generation?.Dispose();
    }

    private void Register() =>
        _coordinatorProxy.Tell(new RegisterTrainerNode(Self, _workers, _dataPlane.Endpoint, _dataPlane.UsesNccl), Self);

    // This node holds rank 0 of an NCCL generation: it makes the unique id (and hosts NCCL's bootstrap for it).
    private void HandleIssueNcclId(IssueNcclId issue)
    {
        try
        {
            Sender.Tell(new NcclIdIssued(issue.Generation, _dataPlane.NewNcclId()), Self);
        }
        catch (InvalidOperationException e)
        {
            _log.Warning("could not make the NCCL unique id of generation {0}: {1}", issue.Generation, e.Message);
            Sender.Tell(new NodeGroupFailed(issue.Generation, Self, $"ncclGetUniqueId: {e.Message}"), Self);
        }
    }

    private void HandleAccepted(TrainerNodeAccepted accepted)
    {
        if (Sender.Equals(_coordinator))
        {
            return;
        }
        _coordinator = Sender;
        Context.Watch(_coordinator);
        Timers.Cancel("register");
        _log.Info("joined run '{0}' (coordinator {1})", accepted.RunName, Sender.Path);
    }

    // The coordinator moved (its node failed and the singleton restarted elsewhere): offer the workers again.
    private void HandleTerminated(Terminated terminated)
    {
        if (!terminated.ActorRef.Equals(_coordinator))
        {
            return;
        }
        _log.Warning("the run coordinator {0} is gone; registering with its successor", terminated.ActorRef.Path);
        _coordinator = null;
        _generation?.Dispose();
        _generation = null;
        Timers.StartPeriodicTimer("register", RegisterTick.Instance, RegisterInterval);
    }

    private void HandleRunEnded(RunEnded ended)
    {
        // The coordinator stops after this; its end is not a failure to recover from.
        if (_coordinator is not null)
        {
            Context.Unwatch(_coordinator);
            _coordinator = null;
        }
        _runEnded.TrySetResult(ended.RunName);
    }

    private void HandleFormGroup(FormGroup form)
    {
        // Tearing down the old generation releases workers blocked in its collectives; their steps fail
        // and the coordinator, which has moved on, ignores them.
        _generation?.Dispose();
        _generation = null;
        _connecting?.Cancel();
        _connecting?.Dispose();
        _connecting = new CancellationTokenSource();
        _forming = form;
        _joined = 0;
        var self = Self;
        _dataPlane.ConnectAsync(form, Self, _connecting.Token).PipeTo(
            self,
            success: generation => new MembersReady(form.Generation, generation),
            failure: e => new FormationFailed(form.Generation, $"data plane of generation {form.Generation}: {e.GetBaseException().Message}"));
    }

    private void HandleMembersReady(MembersReady ready)
    {
        if (_forming is not { } form || form.Generation != ready.Generation)
        {
            ready.Members.Dispose();
            return;
        }
        _generation = ready.Members;
        LoadedCheckpoint? checkpoint = null;
        if (form.CheckpointPath is { } path)
        {
            try
            {
                checkpoint = CheckpointStore.LoadFolder(path);
            }
            catch (Exception e) when (e is CheckpointCorruptException or IOException or InvalidDataException)
            {
                ReportFailure(form.Generation, $"checkpoint {path}: {e.Message}");
                return;
            }
        }
        for (int i = 0; i < _workers.Count; i++)
        {
            _workers[i].Tell(new JoinGroup(form.Generation, ready.Members.Members[i], form.CommittedSteps, form.SourceRank, checkpoint), Self);
        }
    }

    private void HandleGroupJoined(GroupJoined joined)
    {
        if (_forming is not { } form || form.Generation != joined.Generation)
        {
            return;
        }
        if (++_joined == _workers.Count)
        {
            _forming = null;
            _coordinator?.Tell(new NodeJoinedGroup(form.Generation, Self), Self);
        }
    }

    private void ReportFailure(long generation, string reason)
    {
        if (_forming is not { } form || form.Generation != generation)
        {
            return;
        }
        _forming = null;
        _log.Warning("could not join generation {0}: {1}", generation, reason);
        _coordinator?.Tell(new NodeGroupFailed(generation, Self, reason), Self);
    }

    private void HandleSaveCheckpoint(SaveCheckpointAt save)
    {
        var coordinator = Sender;
        int worldSize = _generation?.WorldSize ?? 0;
        _workers[0].Ask<object>(new CaptureState(save.Step), TimeSpan.FromMinutes(5))
            .PipeTo(Self, success: answer => new CheckpointRequest(save, coordinator, worldSize, answer),
                failure: e => new CheckpointRequest(save, coordinator, worldSize, new CaptureFailed(save.Step, e.Message)));
    }

    private void HandleStateCaptured(CheckpointRequest request)
    {
        if (request.Answer is not StateCaptured captured)
        {
            string reason = request.Answer is CaptureFailed failed ? failed.Reason : $"unexpected answer {request.Answer.GetType().Name}";
            request.Coordinator.Tell(new CheckpointFailed(request.Save.Step, reason), Self);
            return;
        }
        System.Diagnostics.ActivityContext.TryParse(request.Save.TraceParent, null, out var parent);
        var content = _checkpoints.Content(captured.Step, request.WorldSize, captured.Files, request.Save.Metrics);
        _checkpointer.Tell(new SaveCheckpoint(content, parent), request.Coordinator);
    }

    // Messages to itself (a timer tick, piped results that hold reducers and actor answers): they never leave
    // this actor, so they are not checked for serialization.
    private sealed record RegisterTick : INoSerializationVerificationNeeded
    {
        public static readonly RegisterTick Instance = new();
    }

    private sealed record MembersReady(long Generation, DataPlaneGeneration Members) : INoSerializationVerificationNeeded;

    private sealed record FormationFailed(long Generation, string Reason) : INoSerializationVerificationNeeded;

    private sealed record CheckpointRequest(SaveCheckpointAt Save, IActorRef Coordinator, int WorldSize, object Answer)
        : INoSerializationVerificationNeeded;
}
