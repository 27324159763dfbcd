using Akka.Actor;
using Akka.Event;
using Orchestrator.Coordinator.Nodes;
using Orchestrator.Evaluator.Actors;

namespace Orchestrator.Coordinator.Evaluation;

/// <summary>
/// One per evaluator process: registers with the run coordinator (again with each new one), fetches each
/// checkpoint it is sent (<see cref="ICheckpointSource"/>: over HTTP or from a shared folder), has its
/// <see cref="EvaluatorActor"/> evaluate it, and reports the result to the coordinator. Downloads run beside the
/// evaluation in progress; evaluations run one at a time.
/// </summary>
public sealed class EvaluatorNodeActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan RegisterInterval = TimeSpan.FromSeconds(2);

    private readonly IActorRef _coordinatorProxy;
    private readonly IActorRef _evaluator;
    private readonly ICheckpointSource _source;
    private readonly EvaluatorNodeEvents _events;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<long, (IActorRef ReplyTo, string Folder)> _evaluating = [];
    private readonly CancellationTokenSource _stopping = new();
    private IActorRef? _coordinator;

    public EvaluatorNodeActor(IActorRef coordinatorProxy, IActorRef evaluator, ICheckpointSource source, EvaluatorNodeEvents events)
    {
        _coordinatorProxy = coordinatorProxy;
        _evaluator = evaluator;
        _source = source;
        _events = events;
        Receive<RegisterTick>(_ => Register());
        Receive<EvaluatorAccepted>(HandleAccepted);
        Receive<Terminated>(HandleTerminated);
        Receive<EvaluateCheckpoint>(HandleEvaluate);
        Receive<Fetched>(HandleFetched);
        Receive<EvaluationCompleted>(completed => Report(completed.Step, completed));
        Receive<EvaluationFailed>(failed => Report(failed.Step, failed));
        Receive<RunEnded>(ended => _events.RunEnded.TrySetResult(ended.RunName));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef coordinatorProxy, IActorRef evaluator, ICheckpointSource source, EvaluatorNodeEvents events) =>
        Akka.Actor.Props.Create(() => new EvaluatorNodeActor(coordinatorProxy, evaluator, source, events));

    protected override void PreStart()
    {
        Register();
        Timers.StartPeriodicTimer("register", RegisterTick.Instance, RegisterInterval);
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private void Register() => _coordinatorProxy.Tell(new RegisterEvaluator(Self), Self);

    private void HandleAccepted(EvaluatorAccepted accepted)
    {
        if (Sender.Equals(_coordinator))
        {
            return;
        }
        _coordinator = Sender;
        Context.Watch(_coordinator);
        Timers.Cancel("register");
        _events.Registered.TrySetResult(accepted.RunName);
        _log.Info("evaluating for run '{0}' (coordinator {1})", accepted.RunName, Sender.Path);
    }

    // The coordinator moved (its node failed and the singleton restarted elsewhere): register with its successor.
    private void HandleTerminated(Terminated terminated)
    {
        if (!terminated.ActorRef.Equals(_coordinator))
        {
            return;
        }
        _log.Warning("the run coordinator {0} is gone; registering with its successor", terminated.ActorRef.Path);
        _coordinator = null;
        Timers.StartPeriodicTimer("register", RegisterTick.Instance, RegisterInterval);
    }

    private void HandleEvaluate(EvaluateCheckpoint command)
    {
        var replyTo = Sender;
        _source.FetchAsync(command, replyTo.Path.Address, _stopping.Token).PipeTo(
            Self,
            success: folder => new Fetched(command, folder, replyTo, null),
            failure: e => new Fetched(command, null, replyTo, $"{command.FolderName} could not be fetched: {e.GetBaseException().Message}"));
    }

    private void HandleFetched(Fetched fetched)
    {
        if (fetched.Folder is null)
        {
            _log.Error("evaluation of step {0} failed: {1}", fetched.Command.Step, fetched.Failure);
            fetched.ReplyTo.Tell(new EvaluationFailed(fetched.Command.Step, fetched.Failure!), Self);
            return;
        }
        _evaluating[fetched.Command.Step] = (fetched.ReplyTo, fetched.Folder);
        _evaluator.Tell(fetched.Command with { Directory = fetched.Folder }, Self);
    }

    private void Report(long step, object result)
    {
        if (!_evaluating.Remove(step, out var evaluation))
        {
            return;
        }
        evaluation.ReplyTo.Tell(result, Self);
        _events.Evaluated(result);
        _source.Release(evaluation.Folder);
    }

    // Messages to itself (a piped fetch result, a timer tick): they never leave this actor, so they are not
    // checked for serialization.
    private sealed record Fetched(EvaluateCheckpoint Command, string? Folder, IActorRef ReplyTo, string? Failure)
        : INoSerializationVerificationNeeded;

    private sealed class RegisterTick : INoSerializationVerificationNeeded
    {
        public static readonly RegisterTick Instance = new();
    }
}
