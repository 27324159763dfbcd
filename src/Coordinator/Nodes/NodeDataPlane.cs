using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Orchestrator.Trainer.Reduction;

namespace Orchestrator.Coordinator.Nodes;

/// <summary>
/// A trainer node's side of the gradient data plane (DESIGN.md, "The control plane and the data plane"):
/// its workers reduce in memory first, and one ring among the nodes carries the rest. Each group generation
/// gets fresh connections; a stale peer of an older generation is refused.
/// </summary>
public sealed class NodeDataPlane : IDisposable
{
    private readonly TcpListener _listener;
    private readonly TimeSpan _collectiveTimeout;

    private NodeDataPlane(TcpListener listener, string endpoint, TimeSpan collectiveTimeout)
    {
        _listener = listener;
        Endpoint = endpoint;
        _collectiveTimeout = collectiveTimeout;
    }

    /// <summary>host:port that the other nodes' rings connect to.</summary>
    public string Endpoint { get; }

    /// <summary>Listens on <paramref name="host"/>:<paramref name="port"/> (0: a free port) for ring peers.</summary>
    public static NodeDataPlane Listen(string host, int port, TimeSpan collectiveTimeout)
    {
        var address = IPAddress.TryParse(host, out var ip) ? ip : Dns.GetHostAddresses(host)[0];
        var listener = new TcpListener(address, port);
        listener.Start();
        int bound = ((IPEndPoint)listener.LocalEndpoint).Port;
        return new NodeDataPlane(listener, $"{host}:{bound}", collectiveTimeout);
    }

    /// <summary>Connects this node's part of group <paramref name="form"/>: one reducer per local worker.</summary>
    public Task<DataPlaneGeneration> ConnectAsync(FormGroup form, IActorRef self)
    {
        ArgumentNullException.ThrowIfNull(form);
        int index = form.Nodes.ToList().FindIndex(n => n.Node.Equals(self));
        if (index < 0)
        {
            throw new InvalidOperationException($"generation {form.Generation} does not include this node");
        }
        var me = form.Nodes[index];
        var local = new InProcessAllReduceGroup(me.Workers, _collectiveTimeout);
        if (form.Nodes.Count == 1)
        {
            var members = Enumerable.Range(0, me.Workers).Select(local.Member).ToList();
            return Task.FromResult(new DataPlaneGeneration(
                form.Generation, form.WorldSize, members, () => local.Abort($"generation {form.Generation} ended")));
        }
        throw new NotSupportedException("groups of several nodes need the TCP ring");
    }

    public void Dispose() => _listener.Dispose();
}
