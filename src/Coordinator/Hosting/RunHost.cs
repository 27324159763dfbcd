using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Tools.Singleton;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orchestrator.Coordinator.Checkpointing;
using Orchestrator.Coordinator.Evaluation;
using Orchestrator.Coordinator.Nodes;
using Orchestrator.Coordinator.Protocol;
using Orchestrator.Coordinator.Run;
using Orchestrator.Coordinator.Security;
using Orchestrator.Coordinator.Serving;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.Evaluator.Actors;
using Orchestrator.Evaluator.Evaluation;
using Orchestrator.Trainer.Worker;

namespace Orchestrator.Coordinator.Hosting;

/// <summary>
/// The Akka.NET host of one process: the coordinator role (the run coordinator singleton and the
/// evaluator), the trainer role (a trainer node with its workers and checkpointer), or both in `train`, or the
/// evaluator role (an evaluator node that evaluates the checkpoints the coordinator sends it).
/// Every process joins one cluster through the spec's seed nodes or cluster bootstrap (<see cref="ClusterMembership"/>);
/// with neither it forms a cluster of its own.
/// </summary>
public static class RunHost
{
    public const string CoordinatorRole = "coordinator";
    public const string TrainerRole = "trainer";
    public const string EvaluatorRole = "evaluator";
    public const string SystemName = "orchestrator";

    private const string PinnedDispatcher = "orchestrator.pinned-dispatcher";

    /// <summary>
    /// Set to 1 (the tests do), every message an actor sends goes through its serializer and back, even within
    /// one process, as Akka's serialize-messages does: a cluster message the serializer cannot carry fails at
    /// once, not first when it crosses nodes. Messages that never leave their process are marked
    /// <see cref="INoSerializationVerificationNeeded"/> (docs/cluster.md, "Serialization checks").
    /// </summary>
    public const string VerifySerializationVariable = "ORCHESTRATOR_VERIFY_SERIALIZATION";

    private static bool VerifySerialization => Environment.GetEnvironmentVariable(VerifySerializationVariable) == "1";

    /// <summary>What a coordinator process runs: the run coordinator's settings (given the evaluator) and the evaluation.</summary>
    public sealed record CoordinatorPart(
        CheckpointEvaluation Evaluation, CheckpointStore Store, RunStatus Status, Func<IActorRef, RunCoordinatorSettings> Settings);

    /// <summary>What a trainer process runs: one session per worker, the node's data plane and where checkpoints go.</summary>
    public sealed record TrainerPart(
        IReadOnlyList<WorkerSession> Sessions, NodeDataPlane DataPlane, CheckpointStore Store, CheckpointContentFactory Checkpoints)
    {
        /// <summary>Set with the run's name when the coordinator says the run is over.</summary>
        public TaskCompletionSource<string> RunEnded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>What an evaluator process runs: the evaluation, where checkpoints come from, and what it tells the process.</summary>
    public sealed record EvaluatorPart(CheckpointEvaluation Evaluation, ICheckpointSource Source, EvaluatorNodeEvents Events);

    /// <summary>The host of one process; <paramref name="tls"/> is the node's TLS material when cluster.tls is set (null: plain TCP).</summary>
    public static IHost Build(RunSpec spec, CoordinatorPart? coordinator, TrainerPart? trainer, EvaluatorPart? evaluator = null, ClusterTls? tls = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var roles = new List<string>();
        if (coordinator is not null)
        {
            roles.AddRange([CoordinatorRole, EvaluatorRole]);
        }
        if (trainer is not null)
        {
            roles.Add(TrainerRole);
        }
        if (evaluator is not null && coordinator is null)
        {
            roles.Add(EvaluatorRole);
        }
        var builder = Host.CreateApplicationBuilder([]);
        builder.Logging.ClearProviders();
        if (coordinator is not null && spec.Checkpoint.Serve is { } serve)
        {
            // The coordinator serves the run's checkpoints to evaluators (docs/checkpoint-service.md), and the
            // run page beside them (docs/telemetry.md); the page reads the cluster's members when asked.
            builder.Services.AddHostedService(services => new CheckpointServiceHost(
                coordinator.Store,
                serve,
                address => System.Console.WriteLine($"checkpoints served at {address}; run page at {address}run"),
                new RunPage(coordinator.Status, coordinator.Store, () => RunMember.Of(services.GetRequiredService<ActorSystem>()))));
        }
        builder.Services.AddAkka(SystemName, akka =>
        {
            akka.AddHocon(Hocon(spec.Cluster, spec.Run.Name), HoconAddMode.Prepend)
                .WithRemoting(new RemoteOptions
                {
                    HostName = spec.Cluster.Hostname,
                    Port = spec.Cluster.Port,
                    EnableSsl = tls is not null,
                    Ssl = tls?.Remoting() ?? new SslOptions(),
                })
                .WithClustering(new ClusterOptions { Roles = [.. roles], SeedNodes = [.. spec.Cluster.SeedNodes] })
                .AddStartup(new StartupTask((system, _) => ClusterMembership.JoinAsync(system, spec.Cluster, spec.Run.Name)))
                .WithActors((system, registry) => StartActors(system, registry, spec, coordinator, trainer, evaluator));
        });
        return builder.Build();
    }

    // Failure detection and downing are tuned so that a killed node is out of the group within seconds
    // (docs/cluster.md, "Failure semantics"); heavy actors get a thread each, since libtorch keeps
    // thread-local state and a long step must not starve the dispatcher that carries heartbeats.
    private static string Hocon(ClusterSection cluster, string runName) => ClusterMembership.Hocon(cluster, runName) + string.Create(CultureInfo.InvariantCulture, $$"""

        orchestrator.pinned-dispatcher { type = PinnedDispatcher }
        akka.loglevel = WARNING
        akka.log-dead-letters = off
        akka.log-dead-letters-during-shutdown = off
        {{ClusterMessageSerializer.Hocon}}
        akka.actor.serialize-messages = {{(VerifySerialization ? "on" : "off")}}
        {{(VerifySerialization ? ProcessLocalEventSerializer.Hocon : "")}}
        akka.cluster.log-info = off
        akka.remote.log-remote-lifecycle-events = off
        akka.cluster.singleton-proxy.log-singleton-identification-failure = off
        akka.cluster.downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
        akka.cluster.split-brain-resolver.active-strategy = keep-majority
        akka.cluster.split-brain-resolver.stable-after = {{cluster.DownAfterSeconds:0.###}}s
        akka.cluster.failure-detector.heartbeat-interval = 1s
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 4s
        akka.cluster.run-coordinated-shutdown-when-down = on
        akka.cluster.shutdown-after-unsuccessful-join-seed-nodes = {{(cluster.JoinTimeoutSeconds > 0 ? cluster.JoinTimeoutSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s" : "off")}}
        """);

    private static void StartActors(
        ActorSystem system, IActorRegistry registry, RunSpec spec, CoordinatorPart? coordinator, TrainerPart? trainer, EvaluatorPart? evaluatorPart)
    {
        if (coordinator is not null)
        {
            var evaluator = system.ActorOf(
                EvaluatorActor.Props(coordinator.Evaluation).WithDispatcher(PinnedDispatcher), "evaluator");
            var settings = coordinator.Settings(evaluator);
            if (spec.Checkpoint.KeepBestBy.Length > 0)
            {
                // Pins in the checkpoint folder, which the trainers' retention reads (docs/evaluation.md).
                settings = settings with
                {
                    Best = new BestCheckpoint(spec.Checkpoint.KeepBestBy, coordinator.Store, note => System.Console.WriteLine($"checkpoint: {note}")),
                };
            }
            system.ActorOf(
                ClusterSingletonManager.Props(
                    RunCoordinatorActor.Props(settings),
                    PoisonPill.Instance,
                    ClusterSingletonManagerSettings.Create(system).WithRole(CoordinatorRole)),
                "run-coordinator");
        }
        // The proxy and the trainer node start once this node is Up, when the singleton can be found.
        Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(() =>
        {
            var proxy = system.ActorOf(
                ClusterSingletonProxy.Props(
                    "/user/run-coordinator",
                    ClusterSingletonProxySettings.Create(system).WithRole(CoordinatorRole)),
                "run-coordinator-proxy");
            registry.Register<RunCoordinatorActor>(proxy);
            if (evaluatorPart is not null)
            {
                var cluster = Akka.Cluster.Cluster.Get(system);
                var evaluator = system.ActorOf(
                    EvaluatorActor.Props(evaluatorPart.Evaluation, cluster.SelfAddress.ToString()).WithDispatcher(PinnedDispatcher), "evaluator");
                system.ActorOf(EvaluatorNodeActor.Props(proxy, evaluator, evaluatorPart.Source, evaluatorPart.Events), "evaluator-node");
            }
            if (trainer is null)
            {
                return;
            }
            var checkpointer = system.ActorOf(
                CheckpointerActor.Props(trainer.Store).WithDispatcher(PinnedDispatcher), "checkpointer");
            var workers = trainer.Sessions
                .Select((session, i) => system.ActorOf(TrainerWorkerActor.Props(session).WithDispatcher(PinnedDispatcher), $"trainer-worker-{i}"))
                .ToList();
            system.ActorOf(TrainerNodeActor.Props(proxy, workers, trainer.DataPlane, checkpointer, trainer.Checkpoints, trainer.RunEnded), "trainer-node");
        });
    }
}
