using TorchSharp;

namespace Orchestrator.Trainer.Reduction.Nccl;

/// <summary>
/// A trainer node's NCCL data plane: chosen by <see cref="Choose"/> when train.device resolves to cuda and
/// libnccl.so.2 (and a CUDA runtime) load; otherwise the node uses the TCP ring, and the choice says why.
/// Per group generation, the node holding rank 0 makes a unique id (<see cref="NewUniqueId"/>), the coordinator
/// hands it to every node in FormGroup, and each node connects its workers' ranks (<see cref="ConnectAsync"/>).
/// </summary>
public sealed class NcclDataPlane
{
    private readonly NcclNative _nccl;

    private NcclDataPlane(NcclNative nccl)
    {
        _nccl = nccl;
        Version = nccl.Version;
    }

    /// <summary>NCCL's version, such as 2.23.4.</summary>
    public string Version { get; }

    /// <summary>NCCL when <paramref name="device"/> is CUDA and <paramref name="ncclLibrary"/> loads, else none; with a one-line reason.</summary>
    public static DataPlaneChoice Choose(torch.Device device, string ncclLibrary = NcclNative.NcclLibrary)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.type != DeviceType.CUDA)
        {
            return new(null, $"the TCP ring (train.device resolved to {device.type.ToString().ToLowerInvariant()}; NCCL needs cuda)");
        }
        if (!NcclNative.TryLoad(ncclLibrary, NcclNative.CudaRuntimeLibraries, out var native, out string reason))
        {
            return new(null, $"the TCP ring (train.device is cuda, but {reason})");
        }
        var nccl = new NcclDataPlane(native!);
        return new(nccl, $"NCCL {nccl.Version} (one rank per GPU)");
    }

    /// <summary>A fresh ncclUniqueId (128 bytes) for one generation; this process hosts its bootstrap until every rank joined.</summary>
    public byte[] NewUniqueId() => _nccl.NewUniqueId();

    /// <summary>
    /// This node's members of generation <paramref name="generation"/>'s communicator: one per local worker,
    /// global ranks <paramref name="firstRank"/> onwards, worker i on CUDA device <paramref name="devices"/>[i].
    /// Float sums travel as <paramref name="wire"/> (cluster.transfer_dtype). Each member is <see cref="IDisposable"/>:
    /// disposing aborts its communicator.
    /// </summary>
    public async Task<IReadOnlyList<IAllReduce>> ConnectAsync(
        byte[] uniqueId, int worldSize, int firstRank, IReadOnlyList<int> devices, long generation, TimeSpan timeout,
        RingWireFormat wire, CancellationToken cancellationToken) =>
        await NcclAllReduce.CreateMembersAsync(_nccl, uniqueId, worldSize, firstRank, devices, generation, timeout, wire, cancellationToken)
            .ConfigureAwait(false);
}

/// <summary>The data plane a trainer node uses: NCCL when <paramref name="Nccl"/> is set, else the TCP ring; <paramref name="Description"/> says which and why.</summary>
public sealed record DataPlaneChoice(NcclDataPlane? Nccl, string Description);
