using System.Net;
using Akka.Actor;
using Akka.Http.Dsl;
using Akka.Management.Dsl;
using Ceen.Httpd;

namespace Orchestrator.Coordinator.Hosting;

/// <summary>
/// The Akka.Management HTTP endpoint of this node (cluster bootstrap's contact point, and the liveness and readiness
/// probes of <see cref="HealthProbes"/>), bound to <c>akka.management.http.hostname:port</c> and stopped with the actor system. Unauthenticated: it answers
/// anyone who can reach it, so it binds to the node's own host only (docs/cluster.md).
/// </summary>
/// <remarks>
/// <c>AkkaManagement.Start()</c> cannot be used here: Akka.Http.Shim 1.5.73 was built against Ceen.Httpd 0.9.9,
/// which is not served; 0.9.10, which is, takes an <see cref="EndPoint"/> where 0.9.9 took an
/// <see cref="IPEndPoint"/> in <c>HttpServer.ListenAsync</c>, so the shim fails with MissingMethodException.
/// This binds the same routes (<see cref="AkkaManagement.Routes()"/>, which also tells cluster bootstrap its own
/// contact point) on the same server, calling the method that 0.9.10 has.
/// </remarks>
internal static class ManagementEndpoint
{
    /// <returns>the endpoint's base URI</returns>
    public static Uri Start(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        var management = AkkaManagement.Get(system);
        var http = management.Settings.Http;
        var routes = management.Routes().Concat(new HealthProbes().Routes).ToArray();
        string host = http.EffectiveBindHostname;
        int port = http.EffectiveBindPort;
        // A host name binds to its first IPv4 address, never to every interface.
        var address = IPAddress.TryParse(host, out var ip)
            ? ip
            : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
              ?? throw new InvalidOperationException($"cluster.hostname '{host}' has no IPv4 address to bind the management endpoint to");
        var stop = new CancellationTokenSource();
        var serving = HttpServer.ListenAsync(new IPEndPoint(address, port), false, new ServerConfig { Router = new AkkaRouter(system, routes) }, stop.Token);
        if (serving.IsFaulted)
        {
            serving.GetAwaiter().GetResult();
        }
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "stop-management-endpoint", async () =>
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(serving, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
            stop.Dispose();
            return Akka.Done.Instance;
        });
        return new UriBuilder("http", http.Hostname, port).Uri;
    }
}
