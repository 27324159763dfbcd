using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Core.RunSpec;

namespace Orchestrator.Coordinator.Tests.Hosting;

/// <summary>The liveness and readiness probes on a real management endpoint of a real cluster node, on 127.0.0.1.</summary>
public sealed class HealthProbesTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_node_is_alive_at_once_and_ready_once_it_is_up_in_the_cluster()
    {
        int management = FreePort();
        var cluster = Cluster(management, [$"127.0.0.1:{management}"], requiredContactPoints: 1);
        using var system = await StartAsync(cluster);
        var up = new TaskCompletionSource();
        Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(up.SetResult);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{management}/"), Timeout = Limit };
            var alive = await http.GetAsync("alive");
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
            Assert.Equal("alive", (await alive.Content.ReadAsStringAsync()).Trim());

            await up.Task.WaitAsync(Limit);
            // The probe reads the node's own view of its membership, which follows the member-up event.
            using var deadline = new CancellationTokenSource(Limit);
            HttpResponseMessage ready;
            while ((ready = await http.GetAsync("ready", deadline.Token)).StatusCode != HttpStatusCode.OK)
            {
                await Task.Delay(100, deadline.Token);
            }
            Assert.Equal("ready: member Up", (await ready.Content.ReadAsStringAsync()).Trim());
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task A_node_that_cannot_form_its_cluster_is_alive_but_not_ready()
    {
        // Two contact points are required and the other one never answers: the node waits, outside any cluster.
        int management = FreePort();
        var cluster = Cluster(management, [$"127.0.0.1:{management}", $"127.0.0.1:{FreePort()}"], requiredContactPoints: 2);
        using var system = await StartAsync(cluster);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{management}/"), Timeout = Limit };
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("alive")).StatusCode);

            var ready = await http.GetAsync("ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.StartsWith("not ready: member ", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("healthz")).StatusCode);
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static ClusterSection Cluster(int management, List<string> endpoints, int requiredContactPoints) => new()
    {
        Hostname = "127.0.0.1",
        Discovery = new DiscoverySection { Method = "config", Endpoints = endpoints, ManagementPort = management, RequiredContactPoints = requiredContactPoints },
    };

    private static async Task<ActorSystem> StartAsync(ClusterSection cluster)
    {
        var config = ConfigurationFactory.ParseString(ClusterMembership.Hocon(cluster, "run") + """

            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
            akka.loglevel = WARNING
            """);
        var system = ActorSystem.Create("orchestrator", config);
        await ClusterMembership.JoinAsync(system, cluster, "run");
        return system;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
