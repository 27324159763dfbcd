using System.Globalization;
using Akka.Actor;
using Akka.Management.Cluster.Bootstrap;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Hosting;

/// <summary>
/// How a process joins the run's cluster (docs/cluster.md, "Joining the cluster"): through the seed nodes of
/// cluster.seed_nodes, through Akka.Management cluster bootstrap when cluster.discovery is set, or, with
/// neither, by forming a cluster of its own.
/// </summary>
/// <remarks>
/// Bootstrap asks every contact point's management endpoint for the cluster it belongs to and joins that one;
/// only when no contact point is in a cluster does the lowest contact point form a new one, after hearing from
/// all of them. So a restarted coordinator joins the trainers that kept running instead of starting a second
/// cluster, which a first seed node that finds no other seed would do.
/// </remarks>
internal static class ClusterMembership
{
    /// <summary>The service name looked up in discovery: every node of a run is one service.</summary>
    public const string ServiceName = "orchestrator";

    /// <summary>HOCON of the management endpoint, the bootstrap and the discovery method; empty without cluster.discovery.</summary>
    public static string Hocon(ClusterSection cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (cluster.Discovery is not { } discovery)
        {
            return "";
        }
        string endpoints = string.Join(", ", discovery.Endpoints.Select(e => $"\"{e}\""));
        // The endpoint binds to the node's own host only: it is unauthenticated (docs/cluster.md). Config endpoints
        // never change, so a short stable margin is enough; probes every second keep a joining node's wait short.
        return string.Create(CultureInfo.InvariantCulture, $$"""
            akka.management.http {
              hostname = "{{cluster.Hostname}}"
              port = {{discovery.ManagementPort}}
              bind-hostname = "{{cluster.Hostname}}"
              bind-port = {{discovery.ManagementPort}}
            }
            akka.management.cluster.bootstrap {
              new-cluster-enabled = on
              contact-point-discovery {
                service-name = {{ServiceName}}
                discovery-method = akka.discovery
                required-contact-point-nr = {{discovery.RequiredContactPoints}}
                contact-with-all-contact-points = true
                stable-margin = 2s
                interval = 1s
              }
              contact-point {
                probe-interval = 1s
                # Nodes of one host differ by port: keep every listed endpoint, not only those on this node's port.
                filter-on-fallback-port = false
              }
            }
            akka.discovery.method = {{discovery.Method}}
            akka.discovery.config.services.{{ServiceName}}.endpoints = [{{endpoints}}]
            """);
    }

    /// <summary>Joins: starts the management endpoint and the bootstrap, or joins itself when there is nothing to join.</summary>
    public static async Task JoinAsync(ActorSystem system, ClusterSection cluster)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(cluster);
        if (cluster.Discovery is { } discovery)
        {
            var endpoint = ManagementEndpoint.Start(system);
            await ClusterBootstrap.Get(system).Start().ConfigureAwait(false);
            System.Console.WriteLine(
                $"cluster: joining through cluster bootstrap ({discovery.Method} discovery, {discovery.Endpoints.Count} contact points); " +
                $"management endpoint {endpoint} (unauthenticated)");
        }
        else if (cluster.SeedNodes.Count == 0)
        {
            var self = Akka.Cluster.Cluster.Get(system);
            self.Join(self.SelfAddress);
        }
    }
}
