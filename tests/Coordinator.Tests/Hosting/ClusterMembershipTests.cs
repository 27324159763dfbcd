using Akka.Actor;
using Akka.Configuration;
using Akka.Discovery;
using Akka.Discovery.Config;
using Akka.Discovery.KubernetesApi;
using Akka.Management.Cluster.Bootstrap;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Tests.Hosting;

/// <summary>
/// The configuration a node builds from cluster.discovery, read back through Akka's own settings classes (the
/// ones cluster bootstrap and the discovery methods use), without a Kubernetes cluster.
/// </summary>
public sealed class ClusterMembershipTests
{
    [Fact]
    public async Task Kubernetes_discovery_lists_the_run_pods_of_the_pods_own_namespace_by_the_port_name()
    {
        var cluster = new ClusterSection
        {
            Hostname = "10.1.2.3",
            Discovery = new DiscoverySection { Method = "kubernetes", ManagementPortName = "management", ManagementPort = 8558, RequiredContactPoints = 3 },
        };

        using var system = ActorSystem.Create("orchestrator", ConfigurationFactory.ParseString(ClusterMembership.Hocon(cluster, "flowers-512")));
        try
        {
            KubernetesDiscovery.Get(system);
            var kubernetes = KubernetesDiscoverySettings.Create(system);
            Assert.Equal("orchestrator/run=flowers-512", kubernetes.PodLabelSelector(ClusterMembership.ServiceName));
            Assert.Null(kubernetes.PodNamespace);
            Assert.Equal("/var/run/secrets/kubernetes.io/serviceaccount/namespace", kubernetes.PodNamespacePath);
            Assert.False(kubernetes.AllNamespaces);
            Assert.True(kubernetes.RawIp);
            Assert.IsType<KubernetesApiServiceDiscovery>(Discovery.Get(system).Default);

            var bootstrap = ClusterBootstrapSettings.Create(system.Settings.Config.WithFallback(ClusterBootstrap.DefaultConfiguration()), system.Log);
            Assert.Equal(ClusterMembership.ServiceName, bootstrap.ContactPointDiscovery.ServiceName);
            Assert.Equal("management", bootstrap.ContactPointDiscovery.PortName);
            Assert.Equal(3, bootstrap.ContactPointDiscovery.RequiredContactPointsNr);
            Assert.Equal(TimeSpan.FromSeconds(5), bootstrap.ContactPointDiscovery.StableMargin);
            Assert.Equal("10.1.2.3", system.Settings.Config.GetString("akka.management.http.bind-hostname"));
            Assert.Equal(8558, system.Settings.Config.GetInt("akka.management.http.port"));
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task Kubernetes_discovery_takes_the_selector_and_namespace_of_the_spec_when_given()
    {
        var cluster = new ClusterSection
        {
            Discovery = new DiscoverySection { Method = "kubernetes", PodLabelSelector = "app.kubernetes.io/instance=r1,tier in (a, b)", PodNamespace = "ml-runs" },
        };

        using var system = ActorSystem.Create("orchestrator", ConfigurationFactory.ParseString(ClusterMembership.Hocon(cluster, "run")));
        try
        {
            KubernetesDiscovery.Get(system);
            var kubernetes = KubernetesDiscoverySettings.Create(system);
            Assert.Equal("app.kubernetes.io/instance=r1,tier in (a, b)", kubernetes.PodLabelSelector(ClusterMembership.ServiceName));
            Assert.Equal("ml-runs", kubernetes.PodNamespace);
            // No port name: every contact point is on the management port of this node's spec.
            Assert.Null(ClusterBootstrapSettings.Create(system.Settings.Config.WithFallback(ClusterBootstrap.DefaultConfiguration()), system.Log).ContactPointDiscovery.PortName);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task Config_discovery_resolves_the_listed_endpoints()
    {
        var cluster = new ClusterSection
        {
            Discovery = new DiscoverySection { Method = "config", Endpoints = ["10.0.0.5:8558", "10.0.0.6:8559"], RequiredContactPoints = 2 },
        };

        using var system = ActorSystem.Create("orchestrator", ConfigurationFactory.ParseString(ClusterMembership.Hocon(cluster, "run")));
        try
        {
            var discovery = Assert.IsType<ConfigServiceDiscovery>(Discovery.Get(system).Default);
            var resolved = await discovery.Lookup(new Lookup(ClusterMembership.ServiceName), TimeSpan.FromSeconds(5));
            Assert.Equal(["10.0.0.5:8558", "10.0.0.6:8559"], resolved.Addresses.Select(a => $"{a.Host}:{a.Port}"));
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public void Without_discovery_the_node_adds_no_bootstrap_configuration()
    {
        Assert.Equal("", ClusterMembership.Hocon(new ClusterSection(), "run"));
        Assert.Null(ClusterMembership.EnvironmentProblem(new ClusterSection()));
    }
}
