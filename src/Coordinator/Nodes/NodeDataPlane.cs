using Akka.Actor;
using Orchestrator.Trainer.Reduction;
using Orchestrator.Trainer.Reduction.Nccl;

namespace Orchestrator.Coordinator.Nodes;

/// <summary>
/// A trainer node's side of the gradient data plane (DESIGN.md, "The control plane and the data plane"):
/// its workers reduce in memory first, and one TCP ring among the nodes carries the rest
/// (<see cref="HierarchicalAllReduce"/> over <see cref="TcpRingAllReduce"/>). Each group generation gets
/// fresh connections on this node's one listener; a peer of an older generation is refused. A generation whose
/// FormGroup carries an NCCL unique id reduces through NCCL instead, one rank per worker (<see cref="NcclDataPlane"/>).
/// </summary>
public sealed class NodeDataPlane : IDisposable
{
    private readonly RingListener _listener;
    private readonly TimeSpan _collectiveTimeout;
    private readonly RingWireFormat _wireFormat;
    private readonly NcclDataPlane? _nccl;
    private readonly IReadOnlyList<int> _devices;

    private NodeDataPlane(RingListener listener, TimeSpan collectiveTimeout, RingWireFormat wireFormat, NcclDataPlane? nccl, IReadOnlyList<int> devices)
    {
        _listener = listener;
        _collectiveTimeout = collectiveTimeout;
        _wireFormat = wireFormat;
        _nccl = nccl;
        _devices = devices;
    }

    /// <summary>Whether this node's workers can reduce through NCCL (the coordinator uses it when every node of a group can).</summary>
    public bool UsesNccl => _nccl is not null;

    /// <summary>host:port that the other nodes' rings connect to.</summary>
    public string Endpoint => _listener.Endpoint;

    /// <summary>Listens on <paramref name="host"/>:<paramref name="port"/> (0: a free port) for ring peers.</summary>
    /// <param name="host">the address other nodes reach this one at</param>
    /// <param name="port">0 picks a free one</param>
    /// <param name="collectiveTimeout">bound on connecting and on each collective</param>
    /// <param name="transferDtype">cluster.transfer_dtype: float32, bfloat16 or float16</param>
    /// <param name="nccl">the NCCL data plane when this node has one (CUDA and libnccl), else null</param>
    /// <param name="devices">the CUDA device of each local worker, for NCCL</param>
    public static NodeDataPlane Listen(
        string host, int port, TimeSpan collectiveTimeout, string transferDtype, NcclDataPlane? nccl = null, IReadOnlyList<int>? devices = null)
    {
        var wire = transferDtype switch
        {
            "bfloat16" => RingWireFormat.BFloat16,
            "float16" => RingWireFormat.Float16,
            _ => RingWireFormat.Float32,
        };
        return new(RingListener.Start(host, port), collectiveTimeout, wire, nccl, devices ?? []);
    }

    /// <summary>A fresh NCCL unique id, for a generation in which this node holds rank 0.</summary>
    public byte[] NewNcclId() =>
        (_nccl ?? throw new InvalidOperationException("this node has no NCCL data plane")).NewUniqueId();

    /// <summary>Connects this node's part of group <paramref name="form"/>: one reducer per local worker, in local order.</summary>
    public async Task<DataPlaneGeneration> ConnectAsync(FormGroup form, IActorRef self, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        int index = form.Nodes.ToList().FindIndex(n => n.Node.Equals(self));
        if (index < 0)
        {
            throw new InvalidOperationException($"generation {form.Generation} does not include this node");
        }
        var me = form.Nodes[index];
        if (form.NcclId is { } id)
        {
            var nccl = _nccl ?? throw new InvalidOperationException($"generation {form.Generation} reduces through NCCL, but this node has no NCCL");
            var members = await nccl.ConnectAsync(
                id, form.WorldSize, me.FirstRank, [.. _devices.Take(me.Workers)], form.Generation, _collectiveTimeout,
                _wireFormat, cancellationToken).ConfigureAwait(false);
            return new DataPlaneGeneration(form.Generation, form.WorldSize, members, () =>
            {
                foreach (var member in members)
                {
                    ((IDisposable)member).Dispose();
                }
            });
        }
        if (form.Nodes.Count == 1)
        {
            var local = new InProcessAllReduceGroup(me.Workers, _collectiveTimeout);
            return new DataPlaneGeneration(
                form.Generation, form.WorldSize, [.. Enumerable.Range(0, me.Workers).Select(local.Member)],
                () => local.Abort($"generation {form.Generation} ended"));
        }
        if (form.Nodes.FirstOrDefault(n => n.Workers != me.Workers) is { } other)
        {
            // Global rank = node index * workers per node + local rank (HierarchicalAllReduce).
            throw new InvalidOperationException(
                $"generation {form.Generation} mixes nodes of {me.Workers} and {other.Workers} workers; every trainer node of a run needs the same cluster.workers_per_node");
        }
        var ring = await TcpRingAllReduce.ConnectAsync(
            _listener,
            new RingGeneration(form.Generation, index, [.. form.Nodes.Select(n => n.RingEndpoint)]),
            new TcpRingOptions(_collectiveTimeout) { WireFormat = _wireFormat },
            cancellationToken).ConfigureAwait(false);
        var hierarchy = new HierarchicalAllReduce(me.Workers, ring, _collectiveTimeout);
        return new DataPlaneGeneration(
            form.Generation, form.WorldSize, [.. Enumerable.Range(0, me.Workers).Select(hierarchy.Member)], ring.Dispose);
    }

    public void Dispose() => _listener.Dispose();
}
