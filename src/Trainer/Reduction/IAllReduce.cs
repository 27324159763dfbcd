namespace Orchestrator.Trainer.Reduction;

/// <summary>
/// One member's view of a collective group: every member calls the same operations in the same
/// order with buffers of the same length, and each call returns when the buffer holds the
/// reduction over all members: in memory (<see cref="InProcessAllReduceGroup"/>), between processes
/// (<see cref="TcpRingAllReduce"/>), or both (<see cref="HierarchicalAllReduce"/>); on CUDA nodes through NCCL
/// (<see cref="Nccl.NcclAllReduce"/>).
/// </summary>
public interface IAllReduce
{
    int Rank { get; }

    int WorldSize { get; }

    /// <summary>Element-wise sum, in place. Integer addition is exact, so any order gives the same bits.</summary>
    Task SumAsync(long[] buffer, CancellationToken cancellationToken);

    /// <summary>Element-wise float sum, in place (the fast path: within float tolerance across world sizes).</summary>
    Task SumAsync(float[] buffer, CancellationToken cancellationToken);

    /// <summary>Element-wise maximum, in place.</summary>
    Task MaxAsync(float[] buffer, CancellationToken cancellationToken);
}
