using System.Globalization;
using Akka.Actor;
using Akka.Discovery.KubernetesApi;
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

    /// <summary>
    /// HOCON of the management endpoint, the bootstrap and the discovery method; empty without cluster.discovery.
    /// <paramref name="runName"/> makes Kubernetes API discovery's default pod selector (<see cref="KubernetesNames.PodSelector"/>).
    /// </summary>
    public static string Hocon(ClusterSection cluster, string runName)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (cluster.Discovery is not { } discovery)
        {
            return "";
        }
        // The endpoint binds to the node's own host only: it is unauthenticated (docs/cluster.md). Probes every
        // second keep a joining node's wait short. Config endpoints never change, so a short stable margin is
        // enough; pods appear one by one as they start, so Kubernetes discovery waits for Akka's default 5 s.
        string stableMargin = discovery.Method == "kubernetes" ? "5s" : "2s";
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
                stable-margin = {{stableMargin}}
                interval = 1s
                port-name = "{{discovery.ManagementPortName}}"
              }
              contact-point {
                probe-interval = 1s
                # Nodes of one host differ by port: keep every listed endpoint, not only those on this node's port.
                filter-on-fallback-port = false
              }
            }
            """) + DiscoveryHocon(discovery, runName);
    }

    // akka.discovery.method names a section of akka.discovery; kubernetes-api's other keys (service account paths,
    // API server environment variables) keep the defaults of Akka.Discovery.KubernetesApi's reference.conf.
    private static string DiscoveryHocon(DiscoverySection discovery, string runName) => discovery.Method switch
    {
        "kubernetes" => $$"""

            akka.discovery.method = kubernetes-api
            akka.discovery.kubernetes-api {
              pod-label-selector = "{{KubernetesNames.PodSelector(discovery, runName)}}"
              {{(discovery.PodNamespace.Length > 0 ? $"pod-namespace = \"{discovery.PodNamespace}\"" : "")}}
              all-namespaces = false
              use-raw-ip = true
            }
            """,
        _ => $$"""

            akka.discovery.method = {{discovery.Method}}
            akka.discovery.config.services.{{ServiceName}}.endpoints = [{{string.Join(", ", discovery.Endpoints.Select(e => $"\"{e}\""))}}]
            """,
    };

    /// <summary>
    /// Why this process cannot use the spec's discovery method where it runs, or null: Kubernetes API discovery
    /// needs the API server's address (set by the kubelet in every pod) and the pod's service account token.
    /// </summary>
    public static string? EnvironmentProblem(ClusterSection cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (cluster.Discovery is not { Method: "kubernetes" })
        {
            return null;
        }
        var settings = KubernetesDiscoverySettings.Empty;
        string[] missing = [.. new[] { settings.ApiServiceHostEnvName, settings.ApiServicePortEnvName }
            .Where(name => string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))];
        if (missing.Length > 0)
        {
            return $"cluster.discovery.method is kubernetes, but {string.Join(" and ", missing)} {(missing.Length == 1 ? "is" : "are")} not set: " +
                "this process is not in a Kubernetes pod; outside a cluster use method config or cluster.seed_nodes (docs/cluster.md)";
        }
        if (!File.Exists(settings.ApiTokenPath))
        {
            return $"cluster.discovery.method is kubernetes, but the pod has no service account token at {settings.ApiTokenPath}: " +
                "Kubernetes API discovery lists pods with it (set automountServiceAccountToken, docs/deployment.md)";
        }
        return null;
    }

    /// <summary>Joins: starts the management endpoint and the bootstrap, or joins itself when there is nothing to join.</summary>
    public static async Task JoinAsync(ActorSystem system, ClusterSection cluster, string runName)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(cluster);
        if (cluster.Discovery is { } discovery)
        {
            if (discovery.Method == "kubernetes")
            {
                // Adds the kubernetes-api section of Akka.Discovery.KubernetesApi's reference.conf (its class and defaults).
                KubernetesDiscovery.Get(system);
            }
            var endpoint = ManagementEndpoint.Start(system);
            await ClusterBootstrap.Get(system).Start().ConfigureAwait(false);
            string contactPoints = discovery.Method == "kubernetes"
                ? $"pods {KubernetesNames.PodSelector(discovery, runName)} in namespace {(discovery.PodNamespace.Length > 0 ? discovery.PodNamespace : "of this pod")}"
                : $"{discovery.Endpoints.Count} contact points";
            System.Console.WriteLine(
                $"cluster: joining through cluster bootstrap ({discovery.Method} discovery, {contactPoints}); " +
                $"management endpoint {endpoint} (unauthenticated; probes at /alive and /ready)");
        }
        else if (cluster.SeedNodes.Count == 0)
        {
            var self = Akka.Cluster.Cluster.Get(system);
            self.Join(self.SelfAddress);
        }
    }
}
