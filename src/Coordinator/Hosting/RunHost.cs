using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Tools.Singleton;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orchestrator.Coordinator.Checkpointing;
using Orchestrator.Coordinator.Run;
using Orchestrator.Core.Checkpoints;
using Orchestrator.Core.RunSpec;
using Orchestrator.Evaluator.Actors;
using Orchestrator.Evaluator.Evaluation;
using Orchestrator.Trainer.Replica;
using Orchestrator.Trainer.Worker;

namespace Orchestrator.Coordinator.Hosting;

/// <summary>
/// The Akka.NET host of a whole run in one process: a single-node cluster that holds every role
/// (coordinator, trainer, evaluator). Each concern is one extension step on the Akka builder, so the
/// role-per-process hosts of the many-processes issue reuse them.
/// </summary>
public static class RunHost
{
    public const string CoordinatorRole = "coordinator";
    public const string TrainerRole = "trainer";
    public const string EvaluatorRole = "evaluator";

    // Heavy actors (workers, evaluator, checkpointer) get a thread each: libtorch keeps thread-local
    // state, and a long step must not starve the default dispatcher that carries cluster heartbeats.
    private const string Hocon = """
        orchestrator.pinned-dispatcher { type = PinnedDispatcher }
        akka.loglevel = WARNING
        akka.log-dead-letters-during-shutdown = off
        akka.cluster.log-info = off
        akka.remote.log-remote-lifecycle-events = off
        akka.cluster.singleton-proxy.log-singleton-identification-failure = off
        """;

    private const string PinnedDispatcher = "orchestrator.pinned-dispatcher";

    /// <summary>What the single-process host runs.</summary>
    public sealed record Components(
        RunSpec Spec,
        IReadOnlyList<ReplicaTrainer> Workers,
        CheckpointStore Store,
        CheckpointEvaluation Evaluation,
        Func<IActorRef, IActorRef, RunCoordinatorSettings> CoordinatorSettings);

    public static IHost Build(Components components)
    {
        var builder = Host.CreateApplicationBuilder([]);
        builder.Logging.ClearProviders();
        builder.Services.AddAkka("orchestrator", akka =>
        {
            akka.AddHocon(Hocon, HoconAddMode.Prepend)
                .WithRemoting(components.Spec.Cluster.Hostname, components.Spec.Cluster.Port)
                .WithClustering(new ClusterOptions { Roles = [CoordinatorRole, TrainerRole, EvaluatorRole] })
                .AddStartup((system, _) =>
                {
                    // A single-node cluster joins itself; multi-node runs use seed nodes instead.
                    var cluster = Akka.Cluster.Cluster.Get(system);
                    cluster.Join(cluster.SelfAddress);
                })
                .WithActors((system, registry) => StartActors(system, registry, components));
        });
        return builder.Build();
    }

    private static void StartActors(ActorSystem system, IActorRegistry registry, Components components)
    {
        var checkpointer = system.ActorOf(
            CheckpointerActor.Props(components.Store).WithDispatcher(PinnedDispatcher), "checkpointer");
        var evaluator = system.ActorOf(
            EvaluatorActor.Props(components.Evaluation).WithDispatcher(PinnedDispatcher), "evaluator");

        system.ActorOf(
            ClusterSingletonManager.Props(
                RunCoordinatorActor.Props(components.CoordinatorSettings(checkpointer, evaluator)),
                PoisonPill.Instance,
                ClusterSingletonManagerSettings.Create(system).WithRole(CoordinatorRole)),
            "run-coordinator");
        // The proxy and the workers start once this node is Up, when the singleton can be found; the
        // workers then announce themselves to it.
        Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(() =>
        {
            var coordinator = system.ActorOf(
                ClusterSingletonProxy.Props(
                    "/user/run-coordinator",
                    ClusterSingletonProxySettings.Create(system).WithRole(CoordinatorRole)),
                "run-coordinator-proxy");
            registry.Register<RunCoordinatorActor>(coordinator);
            foreach (var worker in components.Workers)
            {
                system.ActorOf(
                    TrainerWorkerActor.Props(worker, coordinator).WithDispatcher(PinnedDispatcher),
                    $"trainer-worker-{worker.Rank}");
            }
        });
    }
}
