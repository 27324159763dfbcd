using Orchestrator.Trainer.Reduction;

namespace Orchestrator.Coordinator.Nodes;

/// <summary>
/// The reducers of one node's workers in one group generation. Disposing tears the generation down:
/// collectives still waiting fail at once, so no worker stays blocked on a peer that is gone.
/// </summary>
public sealed class DataPlaneGeneration(long generation, int worldSize, IReadOnlyList<IAllReduce> members, Action teardown) : IDisposable
{
    private int _disposed;

    public long Generation => generation;

    public int WorldSize => worldSize;

    /// <summary>One member per local worker, in local order (global ranks FirstRank, FirstRank + 1, ...).</summary>
    public IReadOnlyList<IAllReduce> Members => members;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            teardown();
        }
    }
}
