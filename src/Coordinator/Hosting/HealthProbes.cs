using Akka.Actor;
using Akka.Cluster;
using Akka.Http.Dsl;
using Ceen;

namespace Orchestrator.Coordinator.Hosting;

/// <summary>
/// The liveness and readiness endpoints of the management endpoint, for Kubernetes probes (docs/deployment.md).
/// Akka.Management for .NET 1.5.73 has no health checks of its own, so these follow the JVM Akka Management's
/// defaults: <c>GET /alive</c> answers 200 while the actor system runs; <c>GET /ready</c> answers 200 once this node
/// is an Up (or WeaklyUp) member of the cluster, else 503 with the member status. Both answer in plain text.
/// </summary>
/// <remarks>
/// Readiness is membership, not training progress: a trainer that waits for min_workers is ready, and a long step
/// must never make a pod unready or, through liveness, restart it.
/// </remarks>
internal sealed class HealthProbes : HttpModuleBase
{
    public const string AlivePath = "/alive";
    public const string ReadyPath = "/ready";

    /// <summary>The routes to add to the management endpoint's router.</summary>
    public (string, HttpModuleBase)[] Routes => [(AlivePath, this), (ReadyPath, this)];

    public override async Task<bool> HandleAsync(IAkkaHttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.HttpContext.Request;
        if (request.Method is not ("GET" or "HEAD"))
        {
            return false;
        }
        var (healthy, text) = request.Path == AlivePath ? Alive(context.ActorSystem) : Ready(context.ActorSystem);
        var response = context.HttpContext.Response;
        response.StatusCode = healthy ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable;
        await response.WriteAllAsync(text + "\n", "text/plain; charset=utf-8").ConfigureAwait(false);
        return true;
    }

    private static (bool, string) Alive(ActorSystem system) =>
        system.WhenTerminated.IsCompleted ? (false, "terminated") : (true, "alive");

    private static (bool, string) Ready(ActorSystem system)
    {
        var status = Akka.Cluster.Cluster.Get(system).SelfMember.Status;
        return status is MemberStatus.Up or MemberStatus.WeaklyUp
            ? (true, $"ready: member {status}")
            : (false, $"not ready: member {status}, not yet Up in the cluster");
    }
}
